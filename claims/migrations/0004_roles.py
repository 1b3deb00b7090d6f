from django.db import migrations

from config.roles import AGENTS, INTEGRATIONS, OWNERS, grant, model_perms

CLAIMS = ["claim", "claimline", "claimphoto", "playbookstep", "carrierclaim", "resolution", "stallthreshold"]


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # What agents, owners and integrations may do with the cases themselves: cases.0002_roles.
            AGENTS: model_perms("claims", CLAIMS, actions=("view",))
            + model_perms("claims", ["claim", "claimline", "claimphoto", "playbookstep", "carrierclaim",
                                     "resolution"], actions=("add", "change")),
            OWNERS: model_perms("claims", CLAIMS),
            # Shop systems may open claims (e.g. a chargeback notice).
            INTEGRATIONS: ["claims.add_claim"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_stall_threshold_and_cancel"),
        ("desk", "0001_initial"),
        ("orders", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
