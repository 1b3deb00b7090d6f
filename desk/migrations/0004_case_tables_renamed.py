# The case kernel moves to the `cases` app (cases.0001): its tables take the new app's names
# first, here, so that every migration after this one, whatever its app, finds them by that name.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("desk", "0003_case_search_trigram")]

    operations = [
        migrations.AlterModelTable(name="case", table="cases_case"),
        migrations.AlterModelTable(name="caseevent", table="cases_caseevent"),
        migrations.AlterModelTable(name="casenote", table="cases_casenote"),
        migrations.AlterModelTable(name="refund", table="cases_refund"),
    ]
