"""Before shops were tenants every agent, owner and shop system saw every shop.

An upgraded installation keeps working: each existing non-superuser member of
the groups Agents, Owners and Integrations becomes a member of every existing
shop, with the role of their group (Owners over Agents over Integrations).
Owners then trim what nobody should see (README, "Shops and who sees them").
Not a `_roles` migration on purpose: those run again after every migrate, and
this must not undo an owner's trimming.
"""

from django.db import migrations

ROLE_BY_GROUP = [("Owners", "owner"), ("Agents", "agent"), ("Integrations", "integration")]


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Shop = apps.get_model("orders", "Shop")
    Membership = apps.get_model("orders", "Membership")
    shop_ids = list(Shop.objects.values_list("pk", flat=True))
    role_of: dict[int, str] = {}
    for group, role in reversed(ROLE_BY_GROUP):  # the first group in the list wins
        for user_id in User.objects.filter(groups__name=group, is_superuser=False).values_list(
            "pk", flat=True
        ):
            role_of[user_id] = role
    Membership.objects.bulk_create(
        [
            Membership(user_id=user_id, shop_id=shop_id, role=role)
            for user_id, role in role_of.items()
            for shop_id in shop_ids
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_membership_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
