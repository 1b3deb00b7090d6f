from django.db import migrations

from config.roles import AGENTS, OWNERS, grant, model_perms

MESSAGING = [
    "outboundmessage",
    "outboundattachment",
    "deliveryevent",
    "inboundmessage",
    "inboundattachment",
    "ownernotificationsetting",
    "emailtemplateoverride",
    "cannedreply",
    "feedbackrating",
]


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Agents read the conversation and write to buyers; texts are the owners' business.
            AGENTS: model_perms("messaging", MESSAGING, actions=("view",)) + ["messaging.add_outboundmessage"],
            OWNERS: model_perms("messaging", MESSAGING),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_outbox"),
        ("orders", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
