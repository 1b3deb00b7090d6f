from django.db import migrations

from config.roles import OWNERS, grant, model_perms


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Owners add agents to their own shops (the admin scopes them to the shops they own).
            OWNERS: model_perms("orders", ["membership"]),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_membership"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
