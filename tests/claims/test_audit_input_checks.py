"""Inputs the claims code refuses clearly: odd order references, impossible carrier recoveries."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from cases.choices import ClaimType
from cases.models import OpenedVia
from cases.priority import case_priority
from claims import automatic, services
from claims.models import CarrierClaimStatus, Claim
from tests.factories import make_order, track

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reference", [1.5, {"shop": "leinen"}, True])
def test_an_order_reference_that_is_no_id_or_shop_and_number_is_a_400(api, shop, reference):
    make_order(shop)

    response = api.post("/api/v1/claims/", {"order": reference, "type": "damaged"}, format="json")

    assert response.status_code == 400
    assert "order id" in response.json()["order"][0]


@pytest.fixture
def carrier_claim(shop, carrier, agent):
    order = make_order(shop, total="248.20")
    claim = services.claim_open(order=order, type="lost_in_transit", opened_via=OpenedVia.API, decide=False)
    carrier_claim = services.carrier_claim_open(claim=claim, actor=agent, amount=Decimal("248.20"))
    services.carrier_claim_update(carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.FILED)
    return carrier_claim


def test_a_rejected_carrier_claim_recovers_nothing(carrier_claim, agent):
    with pytest.raises(ValidationError) as raised:
        services.carrier_claim_update(
            carrier_claim=carrier_claim,
            actor=agent,
            status=CarrierClaimStatus.REJECTED,
            recovered_amount=Decimal("5000"),
        )

    assert "recovered_amount" in raised.value.message_dict
    carrier_claim.refresh_from_db()
    assert carrier_claim.recovered_amount == 0


def test_a_carrier_pays_back_at_most_what_was_claimed(carrier_claim, agent):
    services.carrier_claim_update(
        carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.ACCEPTED
    )

    with pytest.raises(ValidationError) as raised:
        services.carrier_claim_update(
            carrier_claim=carrier_claim,
            actor=agent,
            status=CarrierClaimStatus.PAID,
            recovered_amount=Decimal("248.21"),
        )

    assert "248.20" in raised.value.message_dict["recovered_amount"][0]


def test_the_api_names_the_recovered_amount_field(carrier_claim, owner):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(owner)

    response = client.post(
        f"/api/v1/carrier-claims/{carrier_claim.pk}/",
        {"status": "rejected", "recovered_amount": "5000.00"},
        format="json",
    )

    assert response.status_code == 400
    assert "recovered_amount" in str(response.json())


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


def _case(needed_by):
    return SimpleNamespace(
        status="new",
        needed_by=needed_by,
        first_responded_at=None,
        first_response_due=None,
        order_value=Decimal("0"),
        currency="EUR",
    )


def test_a_needed_by_date_long_past_no_longer_makes_a_case_urgent():
    today = date.today()

    assert case_priority(_case(today - timedelta(days=1))) == 30
    assert case_priority(_case(today - timedelta(days=40))) == 0
