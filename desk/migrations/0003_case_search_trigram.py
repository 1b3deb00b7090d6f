from django.db import migrations

# Trigram search over the case's search text: "Berg", "0034", "R-2026" all find their case
# without a full scan. PostgreSQL only; SQLite scans, which is fine for a demo.


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_search_trgm ON desk_case USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("desk", "0002_profile_search_text")]
    operations = [migrations.RunPython(forwards, backwards)]
