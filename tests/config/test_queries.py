"""`fetch_together`: many querysets in one round trip give what iterating each of them gives."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from cases.models import CaseEvent, Refund
from cases.services import case_note_add
from claims.models import Claim
from config.queries import fetch_together
from decisions.models import DecisionRecord
from orders.models import Order, OrderLine, Shipment, TrackingEvent
from tests.factories import NAPKINS, make_claim, make_order, track

pytestmark = pytest.mark.django_db


def fields_of(instance, depth: int = 0) -> dict:
    """Every stored value of the instance and of the objects select_related joined to it."""
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    if depth < 3:  # a joined object may point back (a claim's case caches its claim)
        for name, related in instance._state.fields_cache.items():
            values[name] = fields_of(related, depth + 1) if related is not None else None
    return values


@pytest.fixture
def busy_case(shop, carrier, agent):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=3)], packed_weight_g=2400)
    track(order, "in_transit", days_ago=4)
    track(order, "delivered", days_ago=1, signed_by="Holm")
    case = make_claim(order, decide=True, actor=agent).case
    case_note_add(case=case, author=agent, body="Käuferin rief an – „dringend“ 😊")
    Refund.objects.create(
        case=case, order=order, amount="12.34", currency="EUR", idempotency_key="k-1", created_by=agent
    )
    return case


def test_the_rows_are_the_ones_iterating_each_queryset_gives(busy_case):
    order = busy_case.order
    reads = {
        "events": CaseEvent.objects.filter(case=busy_case).select_related("actor").order_by("at", "id"),
        "refunds": Refund.objects.filter(case=busy_case),  # money, timestamps, a user id
        "decisions": DecisionRecord.objects.filter(case=busy_case),  # JSON inputs
        "claim": Claim.objects.filter(case=busy_case).select_related("case__shop", "shipment__carrier"),
        "lines": OrderLine.objects.filter(order=order),
        "parcels": Shipment.objects.filter(order=order).select_related("carrier"),
        "scans": TrackingEvent.objects.filter(shipment__order=order).order_by("-occurred_at", "-id"),
        "annotated": Order.objects.filter(pk=order.pk).annotate(twice=F("total") * 2),
        "nothing": Refund.objects.filter(case=busy_case, amount__gt=1000),
    }
    expected = {name: [fields_of(row) for row in queryset.all()] for name, queryset in reads.items()}

    with CaptureQueriesContext(connection) as queries:
        found = fetch_together(reads)

    assert {name: [fields_of(row) for row in rows] for name, rows in found.items()} == expected
    assert found["annotated"][0].twice == order.total * 2
    assert found["scans"][0].status == "delivered" and found["events"][0].verb == "opened"
    assert len(queries) == (1 if connection.vendor == "postgresql" else len(reads))


def test_querysets_that_need_more_than_their_own_rows_are_refused(busy_case):
    with pytest.raises(ValueError, match="values"):
        fetch_together({"values": Refund.objects.values("amount")})
    with pytest.raises(ValueError, match="prefetch"):
        fetch_together({"prefetch": Order.objects.prefetch_related("lines")})
