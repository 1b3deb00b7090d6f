from django.db import migrations

from config.roles import AGENTS, OWNERS, grant, model_perms


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Owners set their contract's figures; agents read them when a carrier claim surprises them.
            AGENTS: model_perms("claims", ["carriercontract"], actions=("view",)),
            OWNERS: model_perms("claims", ["carriercontract"]),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("claims", "0007_carrier_claim_deadline_and_cap")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
