"""A return's steps from its case page."""

from decimal import Decimal

import pytest

from cases.models import RefundLimit
from messaging.models import BuyerEvent, OutboundMessage
from tests.factories import NAPKINS, make_order, make_return, return_line, track

pytestmark = pytest.mark.django_db


def test_agent_receives_and_inspects_a_return_from_the_case_page(client, agent, napkins_sent_back):
    request = napkins_sent_back
    RefundLimit.objects.create(user=agent, amount=Decimal("100"))
    client.force_login(agent)
    line = request.lines.get()
    url = f"/desk/cases/{request.case.reference}/"

    client.post(url + "return/receive/", {f"received-{line.pk}": "2"})
    client.post(url + "return/inspect/", {f"accepted-{line.pk}": "2", f"condition-{line.pk}": "as_new"})

    request.refresh_from_db()
    assert request.status == "refunded"
    assert request.refund.amount == Decimal("49.80") - (request.return_fee or 0)
    assert OutboundMessage.objects.filter(case=request.case, event=BuyerEvent.REFUND_INITIATED).exists()
    assert (
        "49.80" in client.get(url).content.decode()
        or str(request.refund.amount) in client.get(url).content.decode()
    )


def inspected_by_an_agent_who_may_give_20(client, agent, request) -> str:
    """The agent receives everything announced and accepts it as new, from the case page; its URL."""
    RefundLimit.objects.create(user=agent, amount=Decimal("20"))
    line = request.lines.get()
    url = f"/desk/cases/{request.case.reference}/"
    client.force_login(agent)
    client.post(url + "return/receive/", {f"received-{line.pk}": "2"})
    client.post(url + "return/inspect/", {f"accepted-{line.pk}": "2", f"condition-{line.pk}": "as_new"})
    return url


def test_a_return_refund_above_the_agents_limit_waits_for_the_owner_on_the_case_page(
    client, agent, owner, napkins_sent_back
):
    request = napkins_sent_back
    url = inspected_by_an_agent_who_may_give_20(client, agent, request)

    request.refresh_from_db()
    assert (request.status, request.refund) == ("inspected", None)
    page = client.get(url).content.decode()
    assert "waits for an owner" in page
    assert "approve_refund" not in page  # the agent is not offered a button that would refuse them
    assert client.post(url + "return/approve_refund/", follow=True).status_code == 200
    request.refresh_from_db()
    assert request.refund is None  # still above the agent's limit

    client.force_login(owner)
    assert "approve_refund" in client.get(url).content.decode()
    client.post(url + "return/approve_refund/")

    request.refresh_from_db()
    assert request.status == "refunded"
    assert request.refund.amount == request.refund_due
    assert request.case.refunds.count() == 1


def test_an_exchange_above_the_agents_limit_waits_for_the_owner_on_the_case_page(
    client, agent, owner, shop, carrier
):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    request = make_return(order, return_line(order, quantity=2), resolution="exchange")
    url = inspected_by_an_agent_who_may_give_20(client, agent, request)

    request.refresh_from_db()
    assert (request.status, request.exchange_order, request.exchange_value) == (
        "inspected",
        None,
        Decimal("49.80"),
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "The exchange sends goods worth 49.80 EUR at list price, above the agent's refund limit: it waits for an owner."
        in page
    )
    assert "approve_refund" not in page

    client.force_login(owner)
    assert "approve_refund" in client.get(url).content.decode()
    client.post(url + "return/approve_refund/")

    request.refresh_from_db()
    assert request.status == "exchanged"
    assert request.exchanged_by == owner
