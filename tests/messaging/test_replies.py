"""Agents answer buyers from the case, with canned texts in the buyer's language; braces they type stay as typed."""

import pytest
from django.core import mail

from messaging.mailparse import InboundIn
from messaging.models import BuyerEvent, CannedReply, OutboundMessage, OutboundStatus
from messaging.services.inbound import inbound_receive
from messaging.services.sending import outbox_send
from tests.factories import make_claim_cases

pytestmark = pytest.mark.django_db


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
    assert message.event == BuyerEvent.AGENT_REPLY and message.author.username == "agent"
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


# --- braces in agent replies ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Hej, använd koden {} i kassan", "Hej, använd koden {0} i kassan", "Koden är {ABC", "Koden är ABC}"],
)
def test_agent_reply_with_braces_is_queued_as_typed(swedish_claim, agent_api, text):
    response = agent_api.post(
        f"/api/v1/cases/{swedish_claim.case.reference}/messages/", {"body": text}, format="json"
    )

    assert response.status_code == 201, response.content
    message = OutboundMessage.objects.get(pk=response.json()["id"])
    assert message.context["body"] == text and message.status == OutboundStatus.QUEUED


def test_agent_reply_fills_known_placeholders_next_to_other_braces(swedish_claim, agent_api):
    case = swedish_claim.case

    response = agent_api.post(
        f"/api/v1/cases/{case.reference}/messages/",
        {"body": "Order {order_number}: använd koden {} eller {kod}."},
        format="json",
    )

    body = OutboundMessage.objects.get(pk=response.json()["id"]).context["body"]
    assert body == f"Order {case.order.number}: använd koden {{}} eller {{kod}}."


# --- another shop ---------------------------------------------------------------------------


def test_another_shops_agent_neither_reads_nor_writes_a_cases_conversation(queued, swedish_agent_api):
    url = f"/api/v1/cases/{queued.case.reference}/messages/"

    read = swedish_agent_api.get(url)
    written = swedish_agent_api.post(url, {"body": "Hallo von nebenan"}, format="json")

    assert (read.status_code, written.status_code) == (404, 404)
    assert queued.to_email not in read.content.decode()
    assert OutboundMessage.objects.filter(case=queued.case).count() == 1


def test_a_shops_canned_replies_are_not_another_shops_to_list_or_send(
    shop, swedish_shop, carrier, agent_api, swedish_agent_api
):
    own = CannedReply.objects.create(shop=shop, language="de", title="Hausintern", body="Nur für uns.")
    [theirs] = make_claim_cases(swedish_shop, 1)

    listed = swedish_agent_api.get("/api/v1/canned-replies/").json()
    sent = swedish_agent_api.post(
        f"/api/v1/cases/{theirs.reference}/messages/", {"canned_reply": own.pk}, format="json"
    )

    assert own.pk not in [reply["id"] for reply in listed]
    assert own.pk in [reply["id"] for reply in agent_api.get("/api/v1/canned-replies/").json()]
    assert sent.status_code == 400 and list(sent.json()) == ["canned_reply"]
    assert not OutboundMessage.objects.filter(case=theirs, event=BuyerEvent.AGENT_REPLY).exists()
