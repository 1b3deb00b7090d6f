from django.db import migrations

# Search folds accents ("Kroger" finds "Kröger"): PostgreSQL's unaccent extension, beside the
# pg_trgm one desk 0003 made. SQLite folds in Python (cases.search.fold).


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_case_merged_into")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
