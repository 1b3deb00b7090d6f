# Refund limits now live in the `cases` app (the kernel decides approvals); here they leave the state.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("decisions", "0004_refund_limit_table_renamed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="decisionrecord",
                    name="case",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="decisions",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                migrations.DeleteModel(
                    name="RefundLimit",
                ),
            ],
            database_operations=[],
        ),
    ]
