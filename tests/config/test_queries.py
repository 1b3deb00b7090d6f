"""`fetch_together`: many querysets in one round trip give what iterating each of them gives."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from cases.models import CaseEvent, Refund
from cases.services import case_note_add
from claims.models import Claim
from config.queries import fetch_shaped, fetch_together
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


def _reads(*, case, order):
    reads = {
        "events": CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"),
        "refunds": Refund.objects.filter(case=case, amount__gt=0),
    }
    if order is not None:
        reads["lines"] = OrderLine.objects.filter(order=order)
    return reads


def test_a_shaped_batch_compiled_once_answers_every_case_as_a_fresh_compile_would(busy_case, shop, agent):
    other = make_claim(make_order(shop), "damaged").case
    Refund.objects.create(case=other, order=other.order, amount="5.00", currency="EUR", idempotency_key="k-2")
    enquiry = type(other).objects.create(reference="C-TEST-9", kind="enquiry", shop=shop, opened_via="email")

    for case in (busy_case, other, enquiry, busy_case):
        fresh = {
            name: [fields_of(row) for row in queryset]
            for name, queryset in _reads(case=case.pk, order=case.order_id).items()
        }

        with CaptureQueriesContext(connection) as queries:
            found = fetch_shaped("test-case", _reads, case=case.pk, order=case.order_id)

        assert {name: [fields_of(row) for row in rows] for name, rows in found.items()} == fresh
        assert len(queries) == (1 if connection.vendor == "postgresql" else len(fresh))
    assert [
        r.amount for r in fetch_shaped("test-case", _reads, case=other.pk, order=other.order_id)["refunds"]
    ] == [Decimal("5.00")]


def test_a_build_that_uses_a_value_otherwise_than_as_a_parameter_is_compiled_every_time(busy_case, shop):
    other = make_claim(make_order(shop), "damaged").case

    def by_reference(*, number):
        # The value becomes part of a longer word: a stand-in would not be found in the parameters.
        return {"case": type(other).objects.filter(reference__endswith=f"{number:06d}")}

    for case in (busy_case, other):
        found = fetch_shaped("test-reference", by_reference, number=case.pk)
        assert [row.pk for row in found["case"]] == [case.pk]


def test_a_shaped_batch_takes_a_moment_as_a_value(busy_case, shop):
    """Claims opened since a moment (the twin check of claim_open_once): each call's own moment counts."""
    later = make_claim(make_order(shop), "damaged").case
    type(later).objects.filter(pk=busy_case.pk).update(opened_at=F("opened_at") - timedelta(days=2))
    later_opened = type(later).objects.filter(pk=later.pk).values_list("opened_at", flat=True).get()

    def opened_since(*, shop, since):
        return {"cases": type(later).objects.filter(shop=shop, opened_at__gte=since).order_by("id")}

    everything = fetch_shaped("test-since", opened_since, shop=shop.pk, since=later_opened - timedelta(days=365))
    only_later = fetch_shaped("test-since", opened_since, shop=shop.pk, since=later_opened)

    assert busy_case.pk in [case.pk for case in everything["cases"]]
    assert [case.pk for case in only_later["cases"]] == [later.pk]


def test_a_read_that_can_match_nothing_answers_empty_beside_the_others(busy_case):
    """`pk__in=[]` or an id past the column's range: Django asks nothing for it, the batch neither."""
    found = fetch_together(
        {
            "none": Order.objects.filter(pk__in=[]),
            "past": Order.objects.filter(pk=2**64),
            "order": Order.objects.filter(pk=busy_case.order_id),
        }
    )

    assert found["none"] == [] and found["past"] == []
    assert [order.pk for order in found["order"]] == [busy_case.order_id]
