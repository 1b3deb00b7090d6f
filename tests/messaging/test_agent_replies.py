"""Agents answer buyers from the case, with canned texts in the buyer's language."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from messaging.models import CannedReply, OutboundMessage
from messaging.services import InboundIn, inbound_receive, outbox_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_api(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client


def test_agent_reply_is_sent_through_the_outbox_in_the_buyers_thread(queued, agent_api, locmem_mail):
    case = queued.case
    outbox_send(message_id=queued.pk)
    mail.outbox.clear()
    inbound_receive(
        mail=InboundIn(
            from_email=case.buyer.email,
            to=["hilfe@leinen.example"],
            text="Var är paketet?",
            subject="Paketet",
            message_id="<q1@example.se>",
            in_reply_to=queued.message_id,
        )
    )
    response = agent_api.post(
        f"/api/v1/cases/{case.reference}/messages/", {"body": "Vi tittar på det direkt."}, format="json"
    )

    assert response.status_code == 201, response.content
    message = OutboundMessage.objects.get(pk=response.json()["id"])
    assert message.event == "agent_reply" and message.author.username == "agent"
    outbox_send(message_id=message.pk)
    [email] = mail.outbox
    assert "Vi tittar på det direkt." in email.body
    assert email.extra_headers["In-Reply-To"] == "<q1@example.se>"
    case.refresh_from_db()
    assert case.first_responded_at is not None


def test_canned_reply_placeholders_are_filled_from_the_case(swedish_claim, agent_api):
    case = swedish_claim.case
    canned = CannedReply.objects.filter(language="sv", title="Paketet är på väg").get()

    response = agent_api.post(
        f"/api/v1/cases/{case.reference}/messages/", {"canned_reply": canned.pk}, format="json"
    )

    body = OutboundMessage.objects.get(pk=response.json()["id"]).context["body"]
    assert case.order.number in body
    assert case.order.shipments.first().tracking_number in body
    assert "{" not in body


def test_conversation_lists_outbound_and_inbound_oldest_first(queued, agent_api):
    case = queued.case
    inbound_receive(
        mail=InboundIn(from_email=case.buyer.email, to=["x@y"], text="Hej", in_reply_to=queued.message_id)
    )

    response = agent_api.get(f"/api/v1/cases/{case.reference}/messages/")

    assert response.status_code == 200
    assert [m["direction"] for m in response.json()["messages"]] == ["out", "in"]


def test_integration_user_cannot_write_to_buyers(swedish_claim, api):
    response = api.post(
        f"/api/v1/cases/{swedish_claim.case.reference}/messages/", {"body": "x"}, format="json"
    )

    assert response.status_code == 403


def test_empty_reply_is_refused(swedish_claim, agent_api):
    response = agent_api.post(
        f"/api/v1/cases/{swedish_claim.case.reference}/messages/", {"body": " "}, format="json"
    )

    assert response.status_code == 400
