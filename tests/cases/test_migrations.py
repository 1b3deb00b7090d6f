"""The move of the case kernel out of desk and decisions keeps every row of an existing database.

The database is taken back to the schema before the move, filled the way the old code
filled it, and migrated forward again, as `manage.py migrate` does on an upgrade.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import Case, CaseEvent, Refund, RefundLimit

BEFORE_THE_MOVE = [
    ("orders", "0003_shop_country_order_hold"),
    ("desk", "0003_case_search_trigram"),
    ("decisions", "0003_override_store_credit"),
    ("claims", "0004_roles"),
    ("returns", "0002_roles"),
    ("messaging", "0004_return_declined_event"),
    ("cases", None),
]


def _migrate(targets):
    MigrationExecutor(connection).migrate(targets)
    # The models as those migrations left them, read from a fresh look at the graph.
    nodes = [target for target in targets if target[1] is not None]
    return MigrationExecutor(connection).loader.project_state(nodes).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def old_database(transactional_db):
    """The schema as the last release left it; the latest schema again afterwards."""
    try:
        yield _migrate(BEFORE_THE_MOVE)
    finally:
        _migrate(_latest())
        ContentType.objects.clear_cache()


def _fill(apps):
    Shop = apps.get_model("orders", "Shop")
    Buyer = apps.get_model("orders", "Buyer")
    Order = apps.get_model("orders", "Order")
    OldCase = apps.get_model("desk", "Case")
    OldEvent = apps.get_model("desk", "CaseEvent")
    OldRefund = apps.get_model("desk", "Refund")
    OldLimit = apps.get_model("decisions", "RefundLimit")
    OldGroup = apps.get_model("auth", "Group")
    shop = Shop.objects.create(slug="leinen", name="Leinen & Liebe", currency="EUR", default_language="de")
    buyer = Buyer.objects.create(shop=shop, email="anna@web.example", name="Anna Schmidt", language="de")
    order = Order.objects.create(
        shop=shop,
        number="LL-1",
        buyer=buyer,
        placed_at="2026-11-20T09:30:00Z",
        total=Decimal("98.00"),
        currency="EUR",
    )
    case = OldCase.objects.create(
        reference="C-2026-000001",
        kind="return",
        shop=shop,
        order=order,
        buyer=buyer,
        opened_via="portal",
        currency="EUR",
        status="resolved",
    )
    OldEvent.objects.create(
        case=case, verb="status_changed", old="new", new="resolved", data={"reason": "buyer keeps the goods"}
    )
    OldEvent.objects.create(
        case=case,
        verb="status_changed",
        old="in_progress",
        new="escalated",
        data={"reason": "Refund 300.00 above the agent's limit 250.00"},
    )
    OldEvent.objects.create(case=case, verb="note_added", data={"reason": "Kundin ruft morgen an"})
    OldRefund.objects.create(
        case=case, order=order, amount=Decimal("98.00"), currency="EUR", idempotency_key="return-1-refund"
    )
    agents = OldGroup.objects.get(name="Agents")
    OldLimit.objects.create(group=agents, amount=Decimal("250.00"))
    return case.pk


@pytest.mark.slow
def test_an_existing_database_keeps_its_cases_refunds_limits_and_permissions(old_database):
    case_id = _fill(old_database)

    _migrate(_latest())
    ContentType.objects.clear_cache()

    case = Case.objects.get(pk=case_id)
    assert case.reference == "C-2026-000001"
    assert Refund.objects.get(case=case).amount == Decimal("98.00")
    assert RefundLimit.objects.get(group__name="Agents").amount == Decimal("250.00")
    # The stored English sentences became codes; what a person typed stays as typed.
    data = [event.data for event in CaseEvent.objects.filter(case=case).order_by("id")]
    assert data[0] == {"reason_code": "buyer_keeps_goods", "reason_params": {}}
    assert data[1] == {"reason_code": "above_limit", "reason_params": {"amount": "300.00", "limit": "250.00"}}
    assert data[2] == {"reason": "Kundin ruft morgen an"}
    # Agents keep the permissions they had on cases, now under the new app label.
    agents = Group.objects.get(name="Agents")
    assert agents.permissions.filter(content_type__app_label="cases", codename="view_case").exists()
    assert not ContentType.objects.filter(app_label="desk", model="case").exists()
    assert not Permission.objects.filter(content_type__app_label="desk", codename="view_case").exists()
