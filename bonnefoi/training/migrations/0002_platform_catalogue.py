from django.db import migrations


def add_platform_modules(apps, schema_editor):
    from bonnefoi.training.catalogue import sync_platform_modules

    sync_platform_modules(apps.get_model("training", "TrainingModule"))


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_platform_modules, migrations.RunPython.noop),
    ]
