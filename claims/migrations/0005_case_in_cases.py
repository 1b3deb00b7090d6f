# The case and its refund now live in the `cases` app; the tables were renamed there, the foreign keys follow them.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("claims", "0004_roles"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="claim",
                    name="case",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="claim",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                migrations.AlterField(
                    model_name="resolution",
                    name="case",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="resolutions",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="resolution",
                    name="refund",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="resolution",
                        to="cases.refund",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
