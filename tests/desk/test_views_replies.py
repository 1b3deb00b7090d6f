"""Replying to the buyer from the case page."""

import html

import pytest

from cases.models import CaseStatus
from messaging.models import BuyerEvent, CannedReply, OutboundMessage
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db


def test_agent_replies_from_the_case_page_in_the_buyers_language(client, agent, shop, carrier):
    order = make_order(shop, language="de")
    case = make_claim(order).case
    client.force_login(agent)

    preview = client.post(f"/desk/cases/{case.reference}/reply/preview/", {"body": "Wir schicken Ersatz."})
    assert "Wir schicken Ersatz." in preview.content.decode()
    assert case.reference in preview.content.decode()

    client.post(
        f"/desk/cases/{case.reference}/reply/", {"body": "Wir schicken Ersatz.", "wait_for_buyer": "on"}
    )

    reply = OutboundMessage.objects.get(case=case, event=BuyerEvent.AGENT_REPLY)
    assert reply.author == agent and reply.to_email == order.buyer.email
    case.refresh_from_db()
    assert case.first_responded_at is not None
    assert case.status == CaseStatus.WAITING_ON_BUYER
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "Wir schicken Ersatz." in page


def test_an_empty_reply_is_refused_in_german_without_the_field_name(client, claim_case):
    response = client.post(f"/desk/cases/{claim_case.reference}/reply/", {"body": "  "}, follow=True)

    text = html.unescape(response.content.decode())
    assert "Eine Antwort darf nicht leer sein." in text
    assert "body:" not in text and "A reply cannot be empty." not in text


def test_another_shops_canned_reply_is_not_filled_into_a_case(
    client, swedish_agent, shop, swedish_shop, carrier
):
    own = CannedReply.objects.create(
        shop=shop, language="de", title="Hausintern", body="Nur für uns: {order_number}"
    )
    theirs = make_claim(make_order(swedish_shop)).case
    client.force_login(swedish_agent)

    response = client.get(f"/desk/cases/{theirs.reference}/reply/canned/", {"canned": own.pk})

    assert response.status_code == 404
