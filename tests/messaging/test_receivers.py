"""What messaging does when a case closes: ask for feedback only where it is fair."""

import pytest

from cases.models import CaseStatus
from cases.services import case_move
from claims import services
from messaging.models import BuyerEvent, OutboundMessage
from tests.factories import make_claim, make_claim_cases, make_order, track

pytestmark = pytest.mark.django_db


def test_closing_a_case_nobody_resolved_asks_the_buyer_nothing(client, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1)
    client.force_login(agent)

    client.post("/desk/bulk/", {"bulk": "close", "case": [case.reference]})

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert not OutboundMessage.objects.filter(case=case, event=BuyerEvent.FEEDBACK_REQUEST).exists()


@pytest.mark.parametrize(
    "opened_via, asked",
    [("portal", True), ("email", True), ("agent", True), ("api", False), ("automatic", False)],
)
def test_only_buyers_who_were_in_touch_are_asked_how_it_went(shop, carrier, agent, opened_via, asked):
    order = make_order(shop)
    track(order, "delivered", days_ago=2)
    case = make_claim(order, opened_via=opened_via).case
    services.claim_resolve(case=case, action="deny", reason="Die Ware war unbeschädigt.", actor=agent)

    case_move(case=case, to=CaseStatus.CLOSED, actor=agent)

    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.FEEDBACK_REQUEST).exists() is asked
