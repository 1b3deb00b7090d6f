from django.db import migrations

from config.roles import AGENTS, OWNERS, grant, model_perms

SLA = ["slapolicy", "openinghours", "closedday"]


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Agents may read what they are measured against; owners set it.
            AGENTS: model_perms("cases", SLA, actions=("view",)),
            OWNERS: model_perms("cases", SLA),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0021_sla_policies"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
