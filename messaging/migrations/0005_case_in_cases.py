# The case now lives in the `cases` app; the table was renamed there, the foreign keys follow it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("messaging", "0004_return_declined_event"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="feedbackrating",
                    name="case",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="feedback",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                migrations.AlterField(
                    model_name="inboundmessage",
                    name="case",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="inbound_messages",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                migrations.AlterField(
                    model_name="outboundmessage",
                    name="case",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outbound_messages",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
