# Case, CaseEvent, CaseNote and Refund now live in the `cases` app (their tables were renamed
# in 0004): here they only leave the migration state; no row is touched.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_case_in_cases"),
        ("decisions", "0005_refund_limit_in_cases"),
        ("desk", "0004_case_tables_renamed"),
        ("messaging", "0005_case_in_cases"),
        ("returns", "0003_case_in_cases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="refund",
                    name="case",
                ),
                migrations.RemoveField(
                    model_name="casenote",
                    name="case",
                ),
                migrations.RemoveField(
                    model_name="caseevent",
                    name="case",
                ),
                migrations.RemoveField(
                    model_name="caseevent",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="casenote",
                    name="author",
                ),
                migrations.RemoveField(
                    model_name="refund",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="refund",
                    name="order",
                ),
                migrations.DeleteModel(
                    name="Case",
                ),
                migrations.DeleteModel(
                    name="CaseEvent",
                ),
                migrations.DeleteModel(
                    name="CaseNote",
                ),
                migrations.DeleteModel(
                    name="Refund",
                ),
            ],
            database_operations=[],
        ),
    ]
