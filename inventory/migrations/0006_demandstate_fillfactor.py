"""Leave room on each page of the demand-state table for the nightly row versions.

The nightly run rewrites every (store, product) row of a store once a day and changes no
indexed column, so with half of each page free the new version lands on the same page:
a HOT update that writes no index entry, and the previous night's versions are pruned in
place. PostgreSQL only (SQLite has no fillfactor); applies to pages written from now on.
"""

from django.db import migrations

FILLFACTOR = 50


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE inventory_demandstate SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE inventory_demandstate RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_document_who_and_when")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
