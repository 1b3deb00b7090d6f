import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import Case
from claims import services
from desk.models import AgentProfile
from tests.factories import NAPKINS, make_claim, make_order, make_return, return_line, track


@pytest.fixture
def german_agent(client, agent):
    """An agent who reads the desk in German, logged in."""
    AgentProfile.objects.create(user=agent, language="de")
    client.force_login(agent)
    return agent


@pytest.fixture
def claim_case(shop, carrier, german_agent):
    """Four dozen napkins paid by invoice, one dozen said to be missing; acknowledged; first answer overdue."""
    order = make_order(
        shop,
        lines=[dict(NAPKINS, quantity=4)],
        packed_weight_g=2430,
        payment={"method": "invoice", "status": "pending", "amount": "105.50", "reference": "inv-1"},
    )
    track(order, "delivered", days_ago=1)
    claim = make_claim(
        order,
        ClaimType.MISSING_ITEMS,
        decide=True,
        actor=german_agent,
        lines=[services.LineIn(order_line=order.lines.get(), quantity=1)],
    )
    services.playbook_step_done(claim=claim, key="acknowledge", actor=german_agent)
    Case.objects.filter(pk=claim.case.pk).update(first_response_due=timezone.now() - timedelta(hours=2))
    return claim.case


@pytest.fixture
def napkins_sent_back(shop, carrier):
    """A buyer's return of 2 sets of napkins (49.80 €), delivered 3 days ago, refund wanted."""
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    return make_return(order, return_line(order, quantity=2))


def page_text(client, case) -> str:
    """The case page as the agent reads it: entities unescaped, white space folded."""
    response = client.get(f"/desk/cases/{case.reference}/")
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def timeline(text: str) -> str:
    """The timeline panel as words, without its markup."""
    return re.sub(r"\s*<[^>]+>\s*", " ", text.split('id="timeline"', 1)[1])
