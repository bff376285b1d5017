# Attestations move out of MEDIA_ROOT (guessable names training/evidence/<agent>/<year>/<module>)
# to the private storage under TRAINING_EVIDENCE_ROOT, with random names.

from django.core.files.storage import default_storage
from django.db import migrations, models

import bonnefoi.training.models


def _move(apps, source, target, new_name):
    Completion = apps.get_model("training", "Completion")
    for completion in Completion.objects.exclude(evidence_file="").only("pk", "evidence_file"):
        name = completion.evidence_file.name
        if not source.exists(name):
            continue  # already moved (a run interrupted before its end), or lost before
        with source.open(name, "rb") as content:
            saved = target.save(new_name(name), content)
        Completion.objects.filter(pk=completion.pk).update(evidence_file=saved)
        source.delete(name)


def to_private_storage(apps, schema_editor):
    _move(
        apps,
        default_storage,
        bonnefoi.training.models.evidence_storage(),
        lambda name: bonnefoi.training.models.evidence_upload_to(None, name),
    )


def back_to_media(apps, schema_editor):
    _move(apps, bonnefoi.training.models.evidence_storage(), default_storage, lambda name: name)


class Migration(migrations.Migration):

    dependencies = [
        ('training', '0002_platform_catalogue'),
    ]

    operations = [
        migrations.AlterField(
            model_name='completion',
            name='evidence_file',
            field=models.FileField(blank=True, storage=bonnefoi.training.models.evidence_storage, upload_to=bonnefoi.training.models.evidence_upload_to, verbose_name='attestation'),
        ),
        migrations.RunPython(to_private_storage, back_to_media, elidable=True),
    ]
