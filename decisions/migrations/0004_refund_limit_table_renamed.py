# Refund limits move to the `cases` app (cases.0001): the table takes the new app's name first.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("decisions", "0003_override_store_credit")]

    operations = [migrations.AlterModelTable(name="refundlimit", table="cases_refundlimit")]
