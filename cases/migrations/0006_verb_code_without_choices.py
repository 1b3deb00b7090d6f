# The timeline verb is a code whose vocabulary lives in cases/verbs.py and is checked when an event is
# written: without choices on the column, a new verb needs no migration.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_refund_limit_per_order'),
    ]

    operations = [
        migrations.AlterField(
            model_name='caseevent',
            name='verb',
            field=models.CharField(max_length=40, verbose_name='what'),
        ),
    ]
