"""Carrier claims: moved only along their allowed statuses, and never recovering more than is true."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import CarrierClaimStatus
from config.errors import Conflict
from tests.factories import make_carrier_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(shop, carrier, agent):
    return make_carrier_claim(shop, actor=agent)


@pytest.fixture
def carrier_claim(shop, carrier, agent):
    """Filed with the carrier."""
    return make_carrier_claim(shop, actor=agent, status=CarrierClaimStatus.FILED)


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


def test_a_draft_cannot_be_marked_paid_before_it_is_filed(draft, agent):
    with pytest.raises(Conflict) as raised:
        services.carrier_claim_update(carrier_claim=draft, actor=agent, status=CarrierClaimStatus.PAID)

    assert raised.value.code == "invalid_transition"
    assert "draft" in raised.value.message and "paid" in raised.value.message
    draft.refresh_from_db()
    assert draft.status == CarrierClaimStatus.DRAFT


def test_filing_tells_the_buyer_and_the_timeline(draft, agent):
    services.carrier_claim_update(
        carrier_claim=draft, actor=agent, status=CarrierClaimStatus.FILED, reference="DHL-NF-2291"
    )

    case = draft.claim.case
    event = case.events.filter(verb="carrier_claim_updated").get()
    assert (event.old, event.new, event.data["reference"]) == ("draft", "filed", "DHL-NF-2291")
    assert case.outbound_messages.filter(event="carrier_claim_filed").exists()
    draft.refresh_from_db()
    assert draft.filed_at is not None


def test_a_new_reference_without_a_move_is_kept_and_on_the_timeline(carrier_claim, agent):
    services.carrier_claim_update(
        carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.FILED, reference="DHL-NF-2291"
    )

    carrier_claim.refresh_from_db()
    assert carrier_claim.reference == "DHL-NF-2291"
    latest = carrier_claim.claim.case.events.filter(verb="carrier_claim_updated").latest("id")
    assert (latest.old, latest.new, latest.data["reference"]) == ("filed", "filed", "DHL-NF-2291")
    assert carrier_claim.claim.case.outbound_messages.filter(event="carrier_claim_filed").count() == 1
