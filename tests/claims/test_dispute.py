"""A dispute the payment provider decided: the case is resolved, and a lost one carries its cost."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseStatus
from cases.services import case_move
from claims import services
from claims.services import DisputeIn
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(shop, carrier):
    order = make_order(shop, total="65.70")
    return make_claim(
        order,
        "chargeback",
        dispute=DisputeIn(
            provider="stripe",
            reference="dp_1",
            amount=Decimal("65.70"),
            respond_by=timezone.now() + timedelta(days=5),
        ),
    )


def test_a_decision_changed_on_appeal_replaces_the_cost_instead_of_adding_to_it(dispute):
    services.claim_dispute_settle(claim=dispute, outcome="lost", fee=Decimal("15.00"))
    services.claim_dispute_settle(claim=dispute, outcome="won")

    dispute.case.refresh_from_db()
    dispute.refresh_from_db()
    assert dispute.case.cost_total == Decimal("0.00")
    assert (dispute.dispute_outcome, dispute.dispute_cost) == ("won", Decimal("0.00"))
    assert list(dispute.case.events.filter(verb="dispute_decided").values_list("new", flat=True)) == [
        "lost",
        "won",
    ]


def test_a_dispute_lost_after_the_case_was_closed_still_counts_its_cost(dispute, agent):
    case_move(case=dispute.case, to=CaseStatus.CLOSED, actor=agent, reason="Beantwortet")

    services.claim_dispute_settle(claim=dispute, outcome="lost")

    dispute.case.refresh_from_db()
    assert dispute.case.status == CaseStatus.CLOSED
    assert dispute.case.cost_total == Decimal("65.70")


def test_an_unknown_outcome_is_refused_and_writes_nothing(dispute):
    with pytest.raises(ValidationError) as refused:
        services.claim_dispute_settle(claim=dispute, outcome="maybe")

    assert "outcome" in refused.value.message_dict
    dispute.refresh_from_db()
    assert dispute.dispute_outcome == ""
    assert not dispute.case.events.filter(verb="dispute_decided").exists()
