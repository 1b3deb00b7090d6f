"""The evidence an agent reads before deciding: the parcel's weight, its delivery, the buyer, the order."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cases.models import OpenedVia
from claims.evidence import compute_evidence, weight_check
from claims.models import Claim
from orders.services import buyer_set_risk
from tests.factories import NAPKINS, make_claim, make_order, track

# --- the parcel's weight ------------------------------------------------------------------
#
# Four dozen napkins at 545 g a dozen and 250 g of packaging: 2,430 g expected, weighed
# with a tolerance of 8 %, 194 g.


def four_dozen_napkins(*, measured_g, missing_dozens=0, packaging_g=250):
    napkins = SimpleNamespace(pk=1, unit_weight_g=545, quantity=4)
    return weight_check(
        lines=[napkins],
        claimed_missing={1: missing_dozens} if missing_dozens else {},
        packaging_g=packaging_g,
        measured_g=measured_g,
    )


def test_a_parcel_that_weighs_the_complete_order_contradicts_a_missing_items_claim():
    weight = four_dozen_napkins(measured_g=2400, missing_dozens=1)

    assert weight["expected_g"] == 2430
    assert weight["claimed_missing_g"] == 545
    assert weight["expected_if_claim_true_g"] == 1885
    assert weight["verdict"] == "matches_complete_order"
    assert weight["consistent"] is True


def test_a_parcel_short_by_the_missing_items_supports_the_claim():
    weight = four_dozen_napkins(measured_g=1900, missing_dozens=1)

    assert weight["verdict"] == "matches_claim"
    assert weight["consistent"] is False


def test_a_parcel_lighter_still_than_the_claim_says_supports_the_claim():
    weight = four_dozen_napkins(measured_g=1500, missing_dozens=1)

    assert weight["verdict"] == "matches_claim"


def test_a_parcel_heavier_than_the_complete_order_proves_nothing_about_missing_items():
    weight = four_dozen_napkins(measured_g=2700, missing_dozens=1)

    assert weight["verdict"] == "inconclusive"
    assert weight["consistent"] is None


@pytest.mark.parametrize("measured_g", [2430 - 194, 2430, 2430 + 194])
def test_a_weight_within_eight_percent_matches_the_complete_order(measured_g):
    weight = four_dozen_napkins(measured_g=measured_g)

    assert weight["tolerance_g"] == 194
    assert weight["verdict"] == "matches_complete_order"
    assert weight["consistent"] is True


def test_a_parcel_lighter_than_the_tolerance_allows_is_lighter_than_expected():
    weight = four_dozen_napkins(measured_g=2430 - 195)

    assert weight["verdict"] == "lighter_than_expected"
    assert weight["consistent"] is False


def test_a_parcel_heavier_than_the_tolerance_allows_is_heavier_but_not_inconsistent():
    weight = four_dozen_napkins(measured_g=2430 + 195)

    assert weight["verdict"] == "heavier_than_expected"
    assert weight["consistent"] is None


def test_a_light_parcel_is_allowed_at_least_100_g_either_way():
    napkin = SimpleNamespace(pk=1, unit_weight_g=100, quantity=1)

    within = weight_check(lines=[napkin], claimed_missing={}, packaging_g=150, measured_g=350)
    beyond = weight_check(lines=[napkin], claimed_missing={}, packaging_g=150, measured_g=351)

    assert within["tolerance_g"] == 100
    assert within["verdict"] == "matches_complete_order"
    assert beyond["verdict"] == "heavier_than_expected"


def test_a_parcel_nobody_weighed_gives_no_verdict():
    weight = four_dozen_napkins(measured_g=None, missing_dozens=1)

    assert weight["expected_g"] == 2430
    assert weight["tolerance_g"] is None
    assert weight["verdict"] == "unknown"
    assert weight["consistent"] is None


def test_goods_without_a_known_weight_give_no_verdict():
    weightless = SimpleNamespace(pk=1, unit_weight_g=0, quantity=4)

    weight = weight_check(lines=[weightless], claimed_missing={}, packaging_g=250, measured_g=2400)

    assert weight["verdict"] == "unknown"


# --- the claim's evidence, from the order as it is stored ---------------------------------


def claim_on(order, claim_type="delivered_not_received") -> Claim:
    return make_claim(order, claim_type, opened_via=OpenedVia.API)


@pytest.mark.django_db
def test_a_parcel_the_carrier_delivered_is_confirmed_with_time_and_place(shop, carrier):
    order = make_order(shop)
    shipment = track(order, "delivered", days_ago=2, location="Haustür")

    evidence = compute_evidence(claim_on(order))

    assert evidence["delivery_confirmed"] is True
    assert evidence["shipment"]["delivered_at"] == shipment.delivered_at.isoformat()
    assert evidence["shipment"]["delivery_location"] == "Haustür"
    assert evidence["signature"] is False


@pytest.mark.django_db
def test_a_parcel_still_under_way_is_not_confirmed_delivered(shop, carrier):
    order = make_order(shop)
    track(order, "in_transit", days_ago=1)

    evidence = compute_evidence(claim_on(order, "lost_in_transit"))

    assert evidence["delivery_confirmed"] is False
    assert evidence["shipment"]["status"] == "in_transit"
    assert evidence["shipment"]["delivered_at"] is None


@pytest.mark.django_db
def test_a_signed_delivery_names_who_signed(shop, carrier):
    order = make_order(shop, signature_required=True)
    track(order, "delivered", days_ago=3, signed_by="M. Berg")

    evidence = compute_evidence(claim_on(order))

    assert evidence["signature"] is True
    assert evidence["shipment"]["signed_by"] == "M. Berg"
    assert evidence["shipment"]["signature_required"] is True


@pytest.mark.django_db
def test_an_order_not_shipped_has_no_parcel_evidence(shop, carrier):
    order = make_order(shop, shipped=False)

    evidence = compute_evidence(claim_on(order, "damaged"))

    assert evidence["shipment"] is None
    assert evidence["delivery_confirmed"] is False
    assert evidence["weight"]["verdict"] == "unknown"


@pytest.mark.django_db
def test_the_buyers_claims_and_orders_of_the_last_year_are_counted(shop, carrier):
    claim_on(make_order(shop))
    again = claim_on(make_order(shop))

    buyer = compute_evidence(again)["buyer"]

    assert buyer["claims_last_365_days"] == 1  # not the claim being looked at
    assert buyer["orders_last_365_days"] == 2
    assert buyer["claim_ratio"] == 0.5


@pytest.mark.django_db
def test_claims_and_orders_older_than_a_year_are_not_held_against_the_buyer(shop, carrier):
    old = claim_on(make_order(shop, shipped_days_ago=400))
    Claim.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    recent = claim_on(make_order(shop))

    buyer = compute_evidence(recent)["buyer"]

    assert buyer["claims_last_365_days"] == 0
    assert buyer["orders_last_365_days"] == 1
    assert buyer["claim_ratio"] == 0


@pytest.mark.django_db
def test_a_flagged_buyer_shows_the_flag_and_why(shop, carrier, agent):
    order = make_order(shop)
    buyer_set_risk(buyer=order.buyer, flag="questionable", reason="Paket wog 2,4 kg", by=agent)

    buyer = compute_evidence(claim_on(order))["buyer"]

    assert buyer["risk_flag"] == "questionable"
    assert buyer["risk_reason"] == "Paket wog 2,4 kg"


@pytest.mark.django_db
def test_only_personalised_lines_show_what_the_buyer_typed(shop, carrier):
    monogram = [{"label": "Monogramm", "value": "A M K"}]
    order = make_order(
        shop,
        lines=[
            dict(NAPKINS, quantity=1),
            {
                "sku": "TASCH-MONO",
                "title": "Taschentuch mit Monogramm",
                "unit_price": "9.90",
                "quantity": 10,
                "unit_weight_g": 25,
                "personalisation": monogram,
            },
        ],
    )

    evidence = compute_evidence(claim_on(order, "personalisation_error"))

    assert evidence["personalisation"] == [
        {"position": 2, "sku": "TASCH-MONO", "title": "Taschentuch mit Monogramm", "fields": monogram}
    ]


@pytest.mark.django_db
def test_a_needed_by_date_says_how_many_days_are_left(shop, carrier):
    now = timezone.now()
    wedding = timezone.localdate(now) + timedelta(days=6)
    claim = claim_on(make_order(shop, needed_by=wedding), "late_for_needed_by")

    evidence = compute_evidence(claim, now=now)

    assert evidence["needed_by"] == wedding.isoformat()
    assert evidence["days_until_needed"] == 6


@pytest.mark.django_db
def test_a_needed_by_date_gone_by_counts_the_days_since_as_negative(shop, carrier):
    now = timezone.now()
    claim = claim_on(make_order(shop, needed_by=timezone.localdate(now) - timedelta(days=2)))

    assert compute_evidence(claim, now=now)["days_until_needed"] == -2


@pytest.mark.django_db
def test_an_order_needed_by_no_date_has_no_days_left(shop, carrier):
    evidence = compute_evidence(claim_on(make_order(shop)))

    assert evidence["needed_by"] is None
    assert evidence["days_until_needed"] is None
