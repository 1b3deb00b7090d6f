"""An installation from before shops were tenants keeps working after the upgrade.

The database is taken back to the schema without memberships, filled as it was,
and migrated forward again, as `manage.py migrate` does on an upgrade.
"""

import pytest

from orders.models import Membership
from tests.migrations import migrate_to, migrate_to_latest

BEFORE_MEMBERSHIPS = [("orders", "0004_product_family_list_price")]


@pytest.fixture
def old_database(transactional_db):
    try:
        yield migrate_to(BEFORE_MEMBERSHIPS)
    finally:
        migrate_to_latest()


def test_every_agent_owner_and_shop_system_joins_every_existing_shop(old_database):
    apps = old_database
    Shop, User, Group = (
        apps.get_model(*name) for name in [("orders", "Shop"), ("auth", "User"), ("auth", "Group")]
    )
    for slug in ("leinen", "linnestugan"):
        Shop.objects.create(slug=slug, name=slug.title())
    for username, groups in [
        ("anna", ["Agents"]),
        ("olga", ["Owners", "Agents"]),  # an owner who also answers cases: owner
        ("shopsystem", ["Integrations"]),
        ("buyer", []),
    ]:
        user = User.objects.create(username=username)
        user.groups.add(*Group.objects.filter(name__in=groups))
    User.objects.create(username="root", is_superuser=True).groups.add(Group.objects.get(name="Owners"))

    migrate_to_latest()

    assert sorted(Membership.objects.values_list("user__username", "shop__slug", "role")) == [
        ("anna", "leinen", "agent"),
        ("anna", "linnestugan", "agent"),
        ("olga", "leinen", "owner"),
        ("olga", "linnestugan", "owner"),
        ("shopsystem", "leinen", "integration"),
        ("shopsystem", "linnestugan", "integration"),
    ]


def test_the_upgrade_takes_tracking_events_back_from_agents_and_owners(transactional_db):
    before = [("orders", "0007_staff_join_every_shop")]
    try:
        apps = migrate_to(before)
        Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
        scans = Permission.objects.filter(
            content_type__app_label="orders", codename__endswith="_trackingevent"
        )
        for name in ("Agents", "Owners", "Integrations"):
            Group.objects.get(name=name).permissions.add(*scans)  # as orders.0002_roles once granted

        apps = migrate_to_latest()
    finally:
        migrate_to_latest()

    def held(name):
        group = apps.get_model("auth", "Group").objects.get(name=name)
        return set(
            group.permissions.filter(codename__endswith="_trackingevent").values_list("codename", flat=True)
        )

    assert held("Agents") == held("Owners") == {"view_trackingevent"}
    assert "add_trackingevent" in held("Integrations")
