"""Agents and owners no longer add, change or delete tracking events.

A scan marks a parcel delivered or lost and the decision engine acts on it, so it
comes from the carrier through the shop system's integration user, or from a
superuser, never from someone working the case. `orders.0002_roles` no longer grants
these; this takes them back from installations where it did. Not a `_roles`
migration: those only add, and run again after every migrate.
"""

from django.db import migrations

TAKEN_BACK = {
    "Agents": ["add_trackingevent", "change_trackingevent", "delete_trackingevent"],
    "Owners": ["add_trackingevent", "change_trackingevent", "delete_trackingevent"],
}


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=TAKEN_BACK):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="orders", codename__in=TAKEN_BACK[group.name])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_private_label_and_photo_names"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
