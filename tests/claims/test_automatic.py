"""Claims nobody opens by hand: a parcel that went quiet or was lost, a payment that never cleared."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import CaseStatus, OpenedVia
from claims import automatic, services
from claims.models import CarrierClaimStatus, Claim
from orders.models import Order
from orders.services import tracking_events_ingest
from tests.factories import make_order, track

pytestmark = pytest.mark.django_db


def test_a_parcel_waiting_at_a_pickup_point_gets_no_lost_claim(shop, carrier):
    order = make_order(shop, shipped_days_ago=20)
    track(order, "available_for_pickup", days_ago=12)

    assert automatic.open_stalled_claims() == 0
    assert not Claim.objects.filter(case__order=order).exists()


def test_a_parcel_the_carrier_lost_gets_the_automatic_lost_claim(shop, carrier):
    order = make_order(shop, shipped_days_ago=3)
    track(order, "lost", days_ago=0)

    assert automatic.open_stalled_claims() == 1
    assert Claim.objects.get(case__order=order).type == ClaimType.LOST_IN_TRANSIT
    assert automatic.open_stalled_claims() == 0


def test_wedding_parcel_lost_reships_with_return_label_and_the_loss_is_counted(shop, carrier, agent):
    # Ordered three weeks before the wedding; after two weeks still "in transit".
    wedding = timezone.localdate() + timedelta(days=6)
    order = make_order(
        shop,
        lines=[
            {
                "sku": "TASCH-MONO",
                "title": "Hochzeitstaschentücher mit Monogramm",
                "unit_price": "12.50",
                "quantity": 3,
                "unit_weight_g": 30,
                "personalisation": [{"label": "Monogramm", "value": "LKM"}],
            }
        ],
        needed_by=wedding,
        shipped_days_ago=14,
    )
    track(order, "in_transit", days_ago=12)

    opened = automatic.open_stalled_claims()

    assert opened == 1
    claim = Claim.objects.get(case__order=order)
    assert claim.type == ClaimType.LOST_IN_TRANSIT
    assert claim.case.opened_via == OpenedVia.AUTOMATIC
    record = claim.case.decisions.get()
    assert record.action == "reship_with_return_label"
    assert record.auto_applied is True
    resolution = claim.case.resolutions.get()
    assert resolution.with_return_label is True
    # The duplicate never came back: the shop carries goods and shipping.
    claim.case.refresh_from_db()
    assert claim.case.cost_total == Decimal("37.50") + order.shipping_total

    # The replacement started the claim against the carrier for the lost parcel; the agent files it,
    # and the carrier pays part of it back.
    carrier_claim = claim.carrier_claims.get()
    assert carrier_claim.status == CarrierClaimStatus.DRAFT and carrier_claim.deadline is not None
    services.carrier_claim_update(
        carrier_claim=carrier_claim,
        actor=agent,
        status=CarrierClaimStatus.FILED,
        reference="DHL-NF-2291",
        claimed_amount=Decimal("43.40"),
    )
    services.carrier_claim_update(
        carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.ACCEPTED
    )
    services.carrier_claim_update(
        carrier_claim=carrier_claim,
        actor=agent,
        status=CarrierClaimStatus.PAID,
        recovered_amount=Decimal("20.00"),
    )
    claim.case.refresh_from_db()
    assert claim.case.recovered_total == Decimal("20.00")
    assert claim.case.net_loss == Decimal("37.50") + order.shipping_total - Decimal("20.00")


def test_stalled_parcel_gets_one_claim_however_often_the_sweep_runs(shop, carrier):
    order = make_order(shop, shipped_days_ago=20)
    track(order, "in_transit", days_ago=15)
    assert automatic.open_stalled_claims() == 1
    assert automatic.open_stalled_claims() == 0
    assert Claim.objects.filter(case__order=order).count() == 1


def test_uncleared_personal_cheque_on_rush_order_opens_a_review_that_cancels_it(shop, carrier, agent):
    # A personal cheque instead of a bank cheque, and overnight shipping.
    order = make_order(
        shop,
        shipping_speed="next_day",
        shipped=False,
        payment={
            "method": "personal_cheque",
            "status": "pending",
            "amount": Decimal("180.00"),
            "cleared_at": None,
        },
    )

    assert automatic.open_payment_reviews() == 1
    assert automatic.open_payment_reviews() == 0

    claim = Claim.objects.get(case__order=order)
    assert claim.type == ClaimType.PAYMENT_REVIEW
    record = claim.case.decisions.get()
    assert record.action == "cancel_order"
    assert record.auto_applied is False

    services.claim_act(case=claim.case, actor=agent, action="cancel_order", reason=record.reason)

    assert Order.objects.get(pk=order.pk).cancelled_at is not None
    claim.case.refresh_from_db()
    assert claim.case.status == CaseStatus.RESOLVED


def pickup_waiting(order, *, days_ago: int, last_day):
    shipment = order.shipments.select_related("carrier").get()
    tracking_events_ingest(
        events=[
            {
                "carrier": shipment.carrier.code,
                "tracking_number": shipment.tracking_number,
                "event_id": f"pickup-{order.number}",
                "occurred_at": timezone.now() - timedelta(days=days_ago),
                "status": "available_for_pickup",
                "pickup_point": "Packstation 157, 53113 Bonn",
                "pickup_until": last_day,
            }
        ],
        source="test",
    )


def test_a_quiet_parcel_at_a_pickup_point_is_not_lost_before_its_last_day(shop, carrier):
    order = make_order(shop, shipped_days_ago=30)
    pickup_waiting(order, days_ago=25, last_day=timezone.localdate() + timedelta(days=1))

    assert automatic.open_stalled_claims() == 0


def test_an_uncollected_parcel_whose_return_is_never_scanned_gets_the_lost_claim(shop, carrier):
    # Its last day was a week ago: it should have been scanned on its way back by now.
    order = make_order(shop, shipped_days_ago=20)
    pickup_waiting(order, days_ago=14, last_day=timezone.localdate() - timedelta(days=7))

    assert automatic.open_stalled_claims() == 1
    assert Claim.objects.get(case__order=order).type == ClaimType.LOST_IN_TRANSIT


def test_an_uncollected_parcel_is_given_the_stall_days_for_its_way_back(shop, carrier):
    order = make_order(shop, shipped_days_ago=20)
    pickup_waiting(order, days_ago=14, last_day=timezone.localdate() - timedelta(days=2))

    assert automatic.open_stalled_claims() == 0
