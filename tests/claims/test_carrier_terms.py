"""A carrier claim's deadline and cap, from the carrier's published terms or the shop's own contract."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import OpenedVia
from claims import services
from claims.models import CarrierClaimStatus, CarrierContract
from orders.models import Carrier
from tests.factories import NAPKINS, TABLECLOTH, make_claim, make_order, track

pytestmark = pytest.mark.django_db


def _local(moment, shop):
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(shop.time_zone)).date()


def _lost(shop, **order):
    order = make_order(shop, **order)
    return make_claim(order, ClaimType.LOST_IN_TRANSIT, opened_via=OpenedVia.API)


def test_a_lost_dhl_parcel_may_be_claimed_six_months_from_shipping(shop, carrier, agent):
    claim = _lost(shop, shipped_days_ago=10)

    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent)

    shipped = _local(claim.shipment.shipped_at, shop)
    assert carrier_claim.deadline == shipped + timedelta(days=180)
    assert carrier_claim.deadline_from == "shipped"
    assert carrier_claim.liability_cap == Decimal("500.00")
    event = claim.case.events.get(verb="carrier_claim_opened")
    assert event.data["deadline"] == carrier_claim.deadline.isoformat()


def test_a_damaged_ups_parcel_must_be_claimed_within_14_days_of_delivery(shop, agent):
    Carrier.objects.create(code="ups", name="UPS")
    order = make_order(shop, carrier="ups", shipped_days_ago=6)
    shipment = track(order, "delivered", days_ago=2)
    claim = make_claim(order, ClaimType.DAMAGED, opened_via=OpenedVia.API)

    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent)

    assert carrier_claim.deadline == _local(shipment.delivered_at, shop) + timedelta(days=14)
    assert carrier_claim.deadline_from == "delivered"
    assert carrier_claim.liability_cap == Decimal("510.00")


def test_a_hermes_loss_has_three_months(shop, agent):
    Carrier.objects.create(code="hermes", name="Hermes")
    claim = _lost(shop, carrier="hermes")

    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent)

    assert carrier_claim.deadline == _local(claim.shipment.shipped_at, shop) + timedelta(days=90)


def test_postnord_pays_by_the_kilo_within_sweden(swedish_shop, agent, grant):
    grant(agent, swedish_shop)
    Carrier.objects.create(code="postnord", name="PostNord")
    order = make_order(
        swedish_shop,
        carrier="postnord",
        ship_country="SE",
        lines=[
            {"sku": "SE-X", "title": "Bäddset", "unit_price": "1290.00", "unit_weight_g": 2900, "quantity": 1}
        ],
        packed_weight_g=3200,
    )
    claim = make_claim(order, ClaimType.LOST_IN_TRANSIT, opened_via=OpenedVia.API)

    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent)

    # NSAB 2015: 150 SEK per kg of the parcel's 3.2 kg, far below the duvet cover's price.
    assert carrier_claim.liability_cap == Decimal("480.00")
    assert carrier_claim.claimed_amount == Decimal("480.00")
    assert carrier_claim.deadline == _local(claim.shipment.shipped_at, swedish_shop) + timedelta(days=180)


def test_the_shops_contract_overrides_the_published_window_and_limit(shop, carrier, agent):
    CarrierContract.objects.create(
        shop=shop, carrier=carrier, loss_window_days=30, liability_limit=Decimal("60.00")
    )
    claim = _lost(shop, lines=[dict(TABLECLOTH, quantity=1)])

    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent)

    assert carrier_claim.deadline == _local(claim.shipment.shipped_at, shop) + timedelta(days=30)
    assert carrier_claim.liability_cap == Decimal("60.00")
    assert carrier_claim.claimed_amount == Decimal("60.00")


def test_the_suggested_amount_is_the_lost_goods_and_the_shipping_dhl_refunds(shop, carrier, agent):
    claim = _lost(
        shop, lines=[dict(NAPKINS, quantity=2), dict(TABLECLOTH, quantity=1)], shipping_total="5.90"
    )

    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent)

    assert carrier_claim.claimed_amount == Decimal("2") * Decimal("24.90") + Decimal("89.00") + Decimal(
        "5.90"
    )


def test_insurance_raises_the_cap_to_the_insured_value(shop, carrier, agent):
    claim = _lost(shop, lines=[dict(TABLECLOTH, quantity=8)])
    claim.shipment.insured_value = Decimal("700.00")
    claim.shipment.save(update_fields=["insured_value"])

    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent)

    assert carrier_claim.liability_cap == Decimal("700.00")
    assert carrier_claim.claimed_amount == Decimal("700.00")


def test_claiming_more_than_the_cap_is_refused_naming_the_amount(shop, carrier, agent):
    claim = _lost(shop)

    with pytest.raises(ValidationError) as raised:
        services.carrier_claim_open(claim=claim, actor=agent, amount=Decimal("500.01"))

    assert "500.00" in raised.value.message_dict["claimed_amount"][0]
    assert not claim.carrier_claims.exists()


def test_filing_after_the_deadline_is_allowed_and_marked_late(shop, carrier, agent):
    claim = _lost(shop, shipped_days_ago=200)
    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent)
    assert carrier_claim.deadline < timezone.localdate()

    carrier_claim = services.carrier_claim_update(
        carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.FILED
    )

    assert carrier_claim.status == CarrierClaimStatus.FILED
    assert carrier_claim.filed_late
    assert claim.case.events.filter(verb="carrier_claim_updated", data__late=True).exists()
