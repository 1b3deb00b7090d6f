# The moved models' content types take the label `cases` (see 0001), so every permission, the
# groups and users holding it, and every admin log entry stay attached to them. Runs once the
# old models have left the migration state: no later migration can make their old types again.

from django.db import migrations

MOVED = [
    ("desk", "case"),
    ("desk", "caseevent"),
    ("desk", "casenote"),
    ("desk", "refund"),
    ("decisions", "refundlimit"),
]


def _relabel(apps, *, source: str, model: str, target: str) -> None:
    """Give the content type of a moved model its new app label, keeping its permissions and their holders."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = ContentType.objects.filter(app_label=source, model=model).first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label=target, model=model).first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    # Both exist (a content type made for the new label in between): carry the old one's grants over.
    for permission in Permission.objects.filter(content_type=old):
        twin = Permission.objects.filter(content_type=new, codename=permission.codename).first()
        if twin is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        twin.group_set.add(*permission.group_set.all())
        twin.user_set.add(*permission.user_set.all())
        permission.delete()
    old.delete()


def forwards(apps, schema_editor):
    for app_label, model_name in MOVED:
        _relabel(apps, source=app_label, model=model_name, target="cases")


def backwards(apps, schema_editor):
    for app_label, model_name in MOVED:
        _relabel(apps, source="cases", model=model_name, target=app_label)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("desk", "0005_cases_moved_out"),
        ("decisions", "0005_refund_limit_in_cases"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
