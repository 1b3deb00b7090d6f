from django.db import migrations

from config.roles import OWNERS, grant, model_perms


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Owners connect their shop's providers and look after what arrives.
            OWNERS: model_perms("integrations", ["integration", "inboundevent", "externalorder", "pollstate"]),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("orders", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
