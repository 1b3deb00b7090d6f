from django.db import migrations

from config.roles import AGENTS, OWNERS, grant, model_perms

RETURNS = ["returnpolicy", "returnrequest", "returnline", "inspectionphoto"]


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Agents open, receive and inspect returns; the policy is the owner's to set.
            AGENTS: model_perms("returns", RETURNS, actions=("view",))
            + model_perms("returns", ["returnrequest", "returnline", "inspectionphoto"], actions=("add", "change")),
            OWNERS: model_perms("returns", RETURNS),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0001_initial"),
        ("orders", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
