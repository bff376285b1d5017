# Hand-written: on PostgreSQL, keep the search tsvector uncompressed out of line (STORAGE
# EXTERNAL). A search that matches thousands of entries reads and ranks each of their vectors;
# decompressing them was most of its time (benchmarks/README.md: p95 27 -> 17 ms on 4,000
# entries). The UPDATE rewrites the generated column of the rows already there.

from django.db import migrations


def external_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE advice_searchdocument ALTER COLUMN search_vector SET STORAGE EXTERNAL"
    )
    schema_editor.execute("UPDATE advice_searchdocument SET body = body")


def default_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE advice_searchdocument ALTER COLUMN search_vector SET STORAGE EXTENDED"
    )


class Migration(migrations.Migration):
    dependencies = [("advice", "0004_procedure_engine_sector")]

    operations = [migrations.RunPython(external_storage, default_storage)]
