# The case and its refund now live in the `cases` app; the tables were renamed there, the foreign keys follow them.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("returns", "0002_roles"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="returnrequest",
                    name="case",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="return_request",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                migrations.AlterField(
                    model_name="returnrequest",
                    name="refund",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cases.refund",
                        verbose_name="refund",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
