"""The report rollups: the same figures as the raw rows, kept current by touched days only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import OPEN_STATUSES, Case, CaseKind, Refund, RefundStatus
from claims import services as claims
from claims.models import CarrierClaim, CarrierClaimStatus, Claim, Resolution
from claims.services.carrier_claims import carrier_claim_open, carrier_claim_update
from desk import dashboard
from desk.dashboard.claims import _band_label
from desk.rollups.build import LOSS_TYPES
from desk.rollups.models import ROLLUPS, CaseDay, RollupDirty
from desk.rollups.refresh import rollups_reconcile, rollups_refresh
from orders.models import Order, Shipment
from returns.models import ReturnLine, ReturnRequest
from returns.selectors import return_rates
from tests.factories import (
    DUVET,
    NAPKINS,
    TABLECLOTH,
    accept_return,
    make_claim,
    make_order,
    make_return,
    return_line,
    track,
)

pytestmark = pytest.mark.django_db

LAKAN = {"sku": "LAK-240-270", "title": "Lakan i linne", "unit_price": "1195.00", "unit_weight_g": 1100}


def rows_of_every_rollup() -> dict:
    """Every rollup row as plain values, without ids: what two builds must agree on."""
    found = {}
    for model in ROLLUPS:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        found[model.__name__] = sorted(
            tuple(round(v, 6) if isinstance(v, float) else v for v in row)
            for row in model.objects.values_list(*fields)
        )
    return found


def _days_ago(order, days):
    # A history: orders of other days, so rollups hold more than today.
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def history(owner, shop, swedish_shop, carrier, grant):
    """Two shops, two currencies, a month and more of orders, claims, refunds, returns and a chargeback."""
    grant(owner, swedish_shop)
    # Lost and not-received parcels, one of them signed and large.
    for number, days, total, signature, kind in [
        ("H-1", 40, None, False, ClaimType.LOST_IN_TRANSIT),
        ("H-2", 12, "320.00", True, ClaimType.DELIVERED_NOT_RECEIVED),
        ("H-3", 3, None, False, ClaimType.DAMAGED),
    ]:
        order = make_order(shop, number=number, total=total, signature_required=signature)
        _days_ago(order, days)
        track(order, "delivered", days_ago=1)
        case = make_claim(order, kind).case
        Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=days - 2))
    damaged = Case.objects.get(order__number="H-3")
    claims.claim_resolve(case=damaged, action="refund", reason="Beschädigt.")
    lost = Case.objects.get(order__number="H-1")
    claims.claim_resolve(case=lost, action="reship", reason="Neu verschickt.")
    carrier_claim = carrier_claim_open(claim=lost.claim, actor=owner, amount=Decimal("20.00"))
    carrier_claim_update(carrier_claim=carrier_claim, actor=owner, status=CarrierClaimStatus.FILED)
    carrier_claim_update(carrier_claim=carrier_claim, actor=owner, status=CarrierClaimStatus.ACCEPTED)
    carrier_claim_update(
        carrier_claim=carrier_claim,
        actor=owner,
        status=CarrierClaimStatus.PAID,
        recovered_amount=Decimal("18.50"),
    )
    # Sales that came back, partly, for a reason; one return the buyer never sent (void); one cancelled order.
    kept = make_order(shop, number="H-4", lines=[dict(NAPKINS, quantity=3), dict(TABLECLOTH, quantity=1)])
    _days_ago(kept, 20)
    track(kept, "delivered", days_ago=10)
    accept_return(make_return(kept, return_line(kept, quantity=2, reason="too_small")))
    announced = make_order(shop, number="H-5", lines=[dict(DUVET, quantity=1)])
    track(announced, "delivered", days_ago=2)
    make_return(announced, return_line(announced, DUVET["sku"], reason="not_as_described"))
    void = make_order(shop, number="H-6", lines=[dict(NAPKINS, quantity=1)])
    track(void, "delivered", days_ago=2)
    expired = make_return(void, return_line(void))
    ReturnRequest.objects.filter(pk=expired.pk).update(expired_at=timezone.now())
    cancelled = make_order(shop, number="H-7", lines=[dict(NAPKINS, quantity=5)])
    Order.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
    # Kronor: a sale, a refund for damage, a lost chargeback.
    lakan = make_order(swedish_shop, number="S-1", lines=[dict(LAKAN, quantity=2)], shipping_total="0")
    track(lakan, "delivered", days_ago=2)
    claims.claim_resolve(case=make_claim(lakan, ClaimType.DAMAGED).case, action="refund", reason="Trasig.")
    disputed = make_order(swedish_shop, number="S-2", lines=[dict(LAKAN, quantity=1)], shipping_total="0")
    chargeback = make_claim(
        disputed,
        "chargeback",
        dispute=claims.DisputeIn(provider="stripe", reference="dp_1", amount=Decimal("1195.00")),
    )
    claims.claim_dispute_settle(claim=chargeback, outcome="lost", fee=Decimal("150.00"))
    return owner


def test_touched_days_refreshed_equal_a_rebuild_from_raw_rows(history):
    rollups_refresh()
    refreshed = rows_of_every_rollup()

    rollups_reconcile()

    assert refreshed == rows_of_every_rollup()
    assert refreshed["ProductDay"] and refreshed["MoneyDay"] and refreshed["ShipmentDay"]


def test_later_changes_reach_the_rollups_without_a_rebuild(history, shop):
    rollups_refresh()
    # A case resolved, a return received, an order's value changed, a claim retyped, a refund failed.
    Case.objects.filter(order__number="H-2").update(status="resolved", resolved_at=timezone.now())
    line = ReturnLine.objects.get(request__order__number="H-5")
    ReturnRequest.objects.filter(pk=line.request_id).update(received_at=timezone.now())
    Order.objects.filter(number="H-4").update(total=Decimal("400.00"))
    Claim.objects.filter(case__order__number="H-3").update(type=ClaimType.LOST_IN_TRANSIT)
    Refund.objects.filter(order__number="S-1").update(status=RefundStatus.FAILED)

    rollups_refresh()
    refreshed = rows_of_every_rollup()
    rollups_reconcile()

    assert refreshed == rows_of_every_rollup()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the days are marked by PostgreSQL triggers")
def test_a_refresh_rebuilds_only_the_days_a_write_touched(history, shop):
    rollups_refresh()
    order = make_order(shop, number="T-1")

    rebuilt = rollups_refresh()

    # The order's day and, for the shop's time zone, a day either side (order, line, shipment: same day).
    assert rebuilt == 3
    assert not RollupDirty.objects.exists()
    assert Order.objects.filter(pk=order.pk).exists()


def test_tracking_news_marks_no_day(history):
    rollups_refresh()

    track(Order.objects.get(number="H-5"), "out_for_delivery")
    Shipment.objects.filter(order__number="H-5").update(status="exception")

    assert not RollupDirty.objects.exists()


def test_the_dashboard_figures_equal_the_raw_computation(history, shop, swedish_shop):
    rollups_refresh()
    report = dashboard.report_for([shop, swedish_shop], days=365)
    charts = {chart.key: chart for chart in dashboard.all_charts(report=report)}

    # Return rates: as the returns API computes them from order lines, per shop.
    for one in (shop, swedish_shop):
        raw = return_rates(shop=one, date_from=report.first, date_to=report.last)
        assert sorted(
            (r["sku"], r["sold"], r["returned"]) for r in raw["by_product"] if r["returned"]
        ) == sorted((r[1], r[3], r[4]) for r in charts["returns_product"].rows if r[0] == one.name)
        assert sorted((r["label"], r["returned"]) for r in raw["by_reason"] if r["returned"]) == sorted(
            (r[1], r[2]) for r in charts["returns_reason"].rows if r[0] == one.name
        )
        assert sorted((r["month"], r["sold"], r["returned"]) for r in raw["by_month"]) == sorted(
            (r[1], r[2], r[3]) for r in charts["returns_month"].rows if r[0] == one.name
        )

    # Parcels lost per carrier, value band and signature.
    raw_loss: dict = {}
    for shipment in Shipment.objects.select_related("order", "carrier"):
        bands = dashboard.value_bands(shipment.order.currency)
        index = next(
            i
            for i, (low, high) in enumerate(bands)
            if shipment.order.total >= low and (high is None or shipment.order.total < high)
        )
        key = (
            shipment.carrier.name,
            _band_label(*bands[index], shipment.order.currency),
            shipment.signature_required,
        )
        counts = raw_loss.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += shipment.claims.filter(type__in=LOSS_TYPES).exists()
    assert {(r[0], r[1], r[2] == "yes"): [r[3], r[4]] for r in charts["loss"].rows} == raw_loss

    # Claims and their cost per carrier, type and currency.
    raw_claims: dict = {}
    for case in Case.objects.filter(kind=CaseKind.CLAIM, claim__shipment__isnull=False).select_related(
        "claim__shipment__carrier"
    ):
        key = (case.claim.shipment.carrier.name, str(ClaimType(case.claim.type).label), case.currency)
        counts = raw_claims.setdefault(key, [0, Decimal("0")])
        counts[0] += 1
        counts[1] += case.cost_total
    assert {(r[0], r[1], r[4]): [r[2], r[3]] for r in charts["claims"].rows} == raw_claims

    # Money per currency over the whole range.
    money = charts["money"]
    for currency in ("EUR", "SEK"):
        ours = [sum((r[c] for r in money.rows if r[5] == currency), Decimal("0")) for c in (1, 2, 3, 4)]
        refunds = Refund.objects.filter(currency=currency).exclude(status=RefundStatus.FAILED)
        reships = Resolution.objects.filter(
            case__currency=currency, action__in=["reship", "reship_with_return_label", "remake"]
        )
        raw = [
            refunds.aggregate(s=Sum("amount"))["s"] or 0,
            sum((r.goods_cost + r.shipping_cost for r in reships), Decimal("0")),
            CarrierClaim.objects.filter(claim__case__currency=currency).aggregate(s=Sum("recovered_amount"))[
                "s"
            ]
            or 0,
            Claim.objects.filter(case__currency=currency, dispute_cost__gt=0).aggregate(
                s=Sum("dispute_cost")
            )["s"]
            or 0,
        ]
        assert ours == raw
    assert any(r[1] for r in money.rows) and any(r[3] for r in money.rows) and any(r[4] for r in money.rows)

    # Cases: open now by type, all opened, resolved per kind.
    open_now = Case.objects.filter(status__in=list(OPEN_STATUSES)).count()
    assert sum(r[-1] for r in charts["open"].rows) == open_now
    assert dict((r[0], r[1]) for r in charts["breaches"].rows)["All cases opened"] == Case.objects.count()
    raw_resolved: dict = {}
    for case in Case.objects.filter(resolved_at__isnull=False):
        raw_resolved[str(CaseKind(case.kind).label)] = raw_resolved.get(str(CaseKind(case.kind).label), 0) + 1
    assert raw_resolved and {r[0]: r[1] for r in charts["resolution"].rows} == raw_resolved

    # What accepted returns were worth, per product.
    accepted = ReturnLine.objects.filter(accepted_quantity__gt=0).select_related("order_line__order")
    raw_cost = {
        (line.order_line.sku, line.order_line.order.currency): (
            line.accepted_quantity,
            line.accepted_quantity * line.order_line.unit_price,
        )
        for line in accepted
    }
    assert {(r[1], r[5]): (r[3], r[4]) for r in charts["returns_cost"].rows} == raw_cost


def test_reconcile_command_rebuilds_what_was_lost(history, capsys):
    rollups_refresh()
    before = rows_of_every_rollup()
    CaseDay.objects.all().delete()

    call_command("reconcile_rollups")

    assert rows_of_every_rollup() == before
    assert "rollup rows rebuilt" in capsys.readouterr().out
