from django.db import migrations

from config.roles import AGENTS, INTEGRATIONS, OWNERS, grant, model_perms

DESK = ["case", "caseevent", "casenote", "refund"]
CLAIMS = ["claim", "claimline", "claimphoto", "playbookstep", "carrierclaim", "resolution", "stallthreshold"]


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Agents work cases end to end; refunds above their limit go to an owner (decisions.RefundLimit).
            AGENTS: model_perms("desk", DESK, actions=("view",))
            + ["desk.add_case", "desk.change_case", "desk.add_casenote", "desk.add_refund", "desk.change_refund"]
            + model_perms("claims", CLAIMS, actions=("view",))
            + model_perms("claims", ["claim", "claimline", "claimphoto", "playbookstep", "carrierclaim",
                                     "resolution"], actions=("add", "change")),
            OWNERS: model_perms("desk", DESK) + model_perms("claims", CLAIMS),
            # Shop systems may open claims (e.g. a chargeback notice) and read cases.
            INTEGRATIONS: ["claims.add_claim", "desk.view_case"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_stall_threshold_and_cancel"),
        ("desk", "0001_initial"),
        ("orders", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
