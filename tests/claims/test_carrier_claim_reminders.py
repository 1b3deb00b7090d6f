"""Whoever works a case hears of a draft carrier claim before the carrier's deadline passes, once per reminder."""

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases import services as cases
from cases.choices import ClaimType
from cases.models import CaseStatus, OpenedVia
from claims import services
from claims.models import CarrierClaimStatus, CarrierContract
from messaging.models import OutboundMessage, OwnerEvent
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db

EVENT = OwnerEvent.CARRIER_CLAIM_DEADLINE


@pytest.fixture
def draft(shop, carrier, agent):
    """A draft claim for a parcel lost 178 days ago: two days left of DHL's six months."""
    order = make_order(shop, shipped_days_ago=178)
    claim = make_claim(order, ClaimType.LOST_IN_TRANSIT, opened_via=OpenedVia.API)
    return services.carrier_claim_open(claim=claim, actor=agent)


def test_the_assigned_agent_is_reminded_once_before_the_deadline(draft, agent):
    agent.email = "agent@leinen.example"
    agent.save()
    case = cases.case_assign(case=draft.claim.case, assignee=agent, actor=agent)

    assert services.carrier_claims_remind() == 1
    assert services.carrier_claims_remind() == 0

    [message] = OutboundMessage.objects.filter(case=case, event=EVENT)
    assert message.to_email == "agent@leinen.example"
    assert message.context["claim_deadline"] == draft.deadline.isoformat()
    assert case.events.filter(verb="carrier_claim_reminded").count() == 1


def test_the_owners_are_reminded_while_nobody_is_assigned(draft, owner):
    owner.email = "owner@leinen.example"
    owner.save()

    services.carrier_claims_remind()

    assert list(OutboundMessage.objects.filter(event=EVENT).values_list("to_email", flat=True)) == [
        "owner@leinen.example"
    ]


def test_on_the_day_a_second_reminder_goes_out_and_only_one(draft, owner):
    owner.email = "owner@leinen.example"
    owner.save()
    services.carrier_claims_remind()

    # Noon of the deadline's day where the shop is: "now + 2 days" left the day in the evening
    # (UTC), when the parcel's summer hand-over had fallen on the next day in Berlin.
    zone = ZoneInfo(draft.claim.case.shop.time_zone)
    on_the_day = datetime.combine(draft.deadline, time(12), tzinfo=zone)
    assert services.carrier_claims_remind(now=on_the_day) == 1
    assert services.carrier_claims_remind(now=on_the_day) == 0

    messages = OutboundMessage.objects.filter(event=EVENT).order_by("pk")
    assert [m.context["due_today"] for m in messages] == [False, True]


def test_a_filed_claim_is_not_reminded(draft, agent, owner):
    owner.email = "owner@leinen.example"
    owner.save()
    services.carrier_claim_update(carrier_claim=draft, actor=agent, status=CarrierClaimStatus.FILED)

    assert services.carrier_claims_remind() == 0
    assert not OutboundMessage.objects.filter(event=EVENT).exists()


def test_a_closed_case_is_not_reminded(draft, owner):
    owner.email = "owner@leinen.example"
    owner.save()
    cases.case_move(case=draft.claim.case, to=CaseStatus.CLOSED, actor=owner, reason="Erledigt")

    assert services.carrier_claims_remind() == 0


def test_a_claim_with_weeks_left_waits(shop, carrier, agent, owner):
    CarrierContract.objects.create(shop=shop, carrier=carrier, liability_limit=Decimal("100"))
    claim = make_claim(
        make_order(shop, shipped_days_ago=10), ClaimType.LOST_IN_TRANSIT, opened_via=OpenedVia.API
    )
    services.carrier_claim_open(claim=claim, actor=agent)

    owner.email = "owner@leinen.example"
    owner.save()

    assert services.carrier_claims_remind() == 0
    assert not OutboundMessage.objects.filter(event=EVENT).exists()
