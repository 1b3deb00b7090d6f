from django.db import migrations

from config.roles import AGENTS, OWNERS, grant, model_perms


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Agents read the matrix and its decisions and record decisions on their cases;
            # they change neither the rules nor their own refund limits.
            AGENTS: model_perms("decisions", ["decisionmatrix", "rule", "decisionrecord"], actions=("view",))
            + ["decisions.add_decisionrecord"],
            OWNERS: model_perms("decisions", ["decisionmatrix", "rule", "decisionrecord"]),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0001_initial"),
        ("orders", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
