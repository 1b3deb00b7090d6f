from django.db import migrations

from config.roles import AGENTS, INTEGRATIONS, OWNERS, grant, model_perms

CASES = ["case", "caseevent", "casenote", "refund"]


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Agents work cases end to end; refunds above their limit go to an owner (cases.RefundLimit),
            # and they cannot change their own limit.
            AGENTS: model_perms("cases", CASES, actions=("view",))
            + ["cases.add_case", "cases.change_case", "cases.add_casenote", "cases.add_refund", "cases.change_refund"],
            OWNERS: model_perms("cases", [*CASES, "refundlimit"]),
            # Shop systems read cases (a chargeback notice answers with its case).
            INTEGRATIONS: ["cases.view_case"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_content_types"),
        ("orders", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
