# The triggers that mark the shop-days a write touched (desk/rollups/triggers.py). PostgreSQL only:
# on SQLite the refresh rebuilds everything. A later change to triggers.py needs a new migration
# that runs create_sql() again (the statements replace what is there).

from django.db import migrations

from desk.rollups import triggers


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in triggers.create_sql():
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in triggers.drop_sql():
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0007_rollups"),
        ("orders", "0011_payment_provider"),
        ("cases", "0012_approvals"),
        ("claims", "0009_dispute_outcome_and_cost"),
        ("returns", "0007_return_pickup"),
    ]

    operations = [migrations.RunPython(create, drop)]
