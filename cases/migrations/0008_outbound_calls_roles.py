from django.db import migrations

from config.roles import AGENTS, OWNERS, grant, model_perms


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Agents see the calls on their cases and send a failed one again; owners too.
            AGENTS: ["cases.view_outboundcall", "cases.change_outboundcall"],
            OWNERS: model_perms("cases", ["outboundcall"], actions=("view", "change")),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_outbound_calls"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
