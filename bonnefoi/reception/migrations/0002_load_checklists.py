"""Load the shipped premises checklists (bonnefoi/reception/data/) on a fresh database.

Uses the historical models: `sync_checklists` is written with plain ORM calls for that reason.
Later versions are synced by `manage.py reception_checklists sync` at deployment.
"""

from django.db import migrations


def load(apps, schema_editor):
    from bonnefoi.reception.checklists import sync_checklists

    sync_checklists(
        version_model=apps.get_model("reception", "ChecklistVersion"),
        criterion_model=apps.get_model("reception", "Criterion"),
        result_model=apps.get_model("reception", "CriterionResult"),
    )


class Migration(migrations.Migration):
    dependencies = [("reception", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
