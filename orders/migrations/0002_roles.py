from django.db import migrations

from config.roles import AGENTS, INTEGRATIONS, OWNERS, grant, model_perms

ALL = ["carrier", "shop", "buyer", "product", "order", "orderline", "payment", "shipment", "shipmentphoto",
       "trackingevent", "ordernote"]


def forwards(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            # Agents read everything about an order, keep private notes and flag buyers.
            AGENTS: model_perms("orders", ALL, actions=("view",))
            + ["orders.add_ordernote", "orders.change_buyer"],
            # Tracking events are the carrier's word, which the decision engine believes: only shop
            # systems write them (orders.0009_tracking_events_from_shop_systems_only).
            OWNERS: model_perms("orders", [m for m in ALL if m != "trackingevent"])
            + ["orders.view_trackingevent"],
            # Shop systems push orders and tracking, nothing else.
            INTEGRATIONS: model_perms("orders", ["order", "trackingevent"], actions=("view", "add", "change")),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
