"""Buyer e-mails from German and Swedish mail clients, Outlook headers, unknown recipients, and agent
replies with braces in them."""

import pytest
from rest_framework.test import APIClient

from cases.models import CaseStatus
from messaging.models import OutboundMessage, OutboundStatus
from messaging.services import InboundIn, inbound_receive
from orders.models import Shop
from tests.factories import make_order

pytestmark = pytest.mark.django_db

UNKNOWN_TOKEN = "reply+0123456789abcdef0123@reply.postsale.test"


def reply_to(message, text, **fields) -> InboundIn:
    return InboundIn(
        from_email=message.to_email,
        to=[f"reply+{message.reply_token}@reply.postsale.test"],
        text=text,
        **fields,
    )


@pytest.fixture
def swedish_shop(shop):
    # Created after `shop`, so the German shop is the one an unknown address used to fall back to.
    return Shop.objects.create(
        slug="linnestugan",
        name="Linnestugan",
        currency="SEK",
        default_language="sv",
        support_email="hej@linnestugan.example",
    )


@pytest.fixture
def agent_api(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client


# --- quoted history ----------------------------------------------------------------

OWN_WORDS = "Das Paket ist immer noch nicht da.\nBitte prüfen Sie das.\n\nViele Grüße\nAnna"

QUOTED_HISTORIES = {
    "gmail_de": (
        "Am Mo., 23. Nov. 2026 um 14:02 Uhr schrieb Leinen & Liebe <hilfe@leinen.example>:\n\n"
        "> Guten Tag Anna,\n> Ihr Paket ist unterwegs.\n"
    ),
    "gmail_de_wrapped": (
        "Am Mo., 23. Nov. 2026 um 14:02 Uhr schrieb Leinen & Liebe <\n"
        "hilfe@leinen.example>:\n\n"
        "> Guten Tag Anna,\n> Ihr Paket ist unterwegs.\n"
    ),
    "gmail_sv": (
        "Den mån 23 nov. 2026 kl 14:02 skrev Linnestugan <hej@linnestugan.example>:\n\n"
        "> Hej Karin,\n> ditt paket är på väg.\n"
    ),
    "apple_mail_de": (
        "Am 23.11.2026 um 14:02 schrieb Leinen & Liebe <hilfe@leinen.example>:\n\n"
        "Guten Tag Anna,\nIhr Paket ist unterwegs.\n"
    ),
    "thunderbird_de": (
        "Am 23.11.26 um 14:02 schrieb Leinen & Liebe:\n> Guten Tag Anna,\n> Ihr Paket ist unterwegs.\n"
    ),
    "outlook_de": (
        "________________________________\n"
        "Von: Leinen & Liebe <hilfe@leinen.example>\n"
        "Gesendet: Montag, 23. November 2026 14:02\n"
        "An: Anna Berg <anna.berg@example.de>\n"
        "Betreff: Ihr Paket ist unterwegs\n\n"
        "Guten Tag Anna,\nIhr Paket ist unterwegs.\n"
    ),
    "outlook_sv": (
        "Från: Linnestugan <hej@linnestugan.example>\n"
        "Skickat: den 23 november 2026 14:02\n"
        "Till: Karin Lind <karin.lind@example.se>\n"
        "Ämne: Ditt paket är på väg\n\n"
        "Hej Karin,\nditt paket är på väg.\n"
    ),
    "outlook_mac_sv": (
        "Från: Linnestugan <hej@linnestugan.example>\n"
        "Datum: måndag, 23 november 2026 14:02\n"
        "Till: Karin Lind <karin.lind@example.se>\n"
        "Ämne: Ditt paket är på väg\n\n"
        "Hej Karin,\nditt paket är på väg.\n"
    ),
    "outlook_en": (
        "From: Leinen & Liebe <hilfe@leinen.example>\n"
        "Sent: Monday, November 23, 2026 2:02 PM\n"
        "To: Anna Berg <anna.berg@example.de>\n"
        "Subject: Your parcel is on its way\n\n"
        "Dear Anna,\nyour parcel is on its way.\n"
    ),
    "separator_de": "-----Ursprüngliche Nachricht-----\nVon: Leinen & Liebe\nGuten Tag Anna,\n",
    "separator_sv": "-----Originalmeddelande-----\nFrån: Linnestugan\nHej Karin,\n",
    "separator_en": "-----Original Message-----\nFrom: Leinen & Liebe\nDear Anna,\n",
}


@pytest.mark.parametrize("client", QUOTED_HISTORIES)
def test_quoted_history_below_the_buyers_words_is_not_stored_as_their_reply(queued, client):
    reply = inbound_receive(mail=reply_to(queued, OWN_WORDS + "\n\n" + QUOTED_HISTORIES[client]))

    assert reply.body == OWN_WORDS


def test_a_buyers_sentence_starting_with_von_is_kept(queued):
    text = (
        "Von: meiner Nachbarin habe ich gehört, dass der Bote zweimal da war.\nAn: der Tür war kein Zettel."
    )

    reply = inbound_receive(mail=reply_to(queued, text))

    assert reply.body == text


def test_outlook_reply_keeps_the_full_mail_for_the_agent(queued):
    text = OWN_WORDS + "\n\n" + QUOTED_HISTORIES["outlook_de"]

    reply = inbound_receive(mail=reply_to(queued, text))

    assert reply.full_body == text


# --- Outlook's X-Auto-Response-Suppress ------------------------------------------


def test_outlook_reply_with_auto_response_suppress_reopens_the_case(queued):
    case = queued.case
    case.status = CaseStatus.WAITING_ON_BUYER
    case.save()

    reply = inbound_receive(
        mail=reply_to(queued, "Paketet har inte kommit.", headers={"X-Auto-Response-Suppress": "All"})
    )

    case.refresh_from_db()
    assert reply.case == case and not reply.auto_submitted
    assert case.status == CaseStatus.IN_PROGRESS


def test_new_outlook_mail_with_auto_response_suppress_opens_an_enquiry(shop):
    reply = inbound_receive(
        mail=InboundIn(
            from_email="neu@example.de",
            to=["hilfe@leinen.example"],
            subject="Frage",
            text="Wann kommt mein Paket?",
            headers={"X-Auto-Response-Suppress": "DR, RN, NRN, OOF, AutoReply"},
        )
    )

    assert reply is not None and reply.case.shop == shop and not reply.auto_submitted


# --- which shop an unthreaded mail belongs to --------------------------------------


def test_unknown_reply_token_goes_to_the_shop_in_cc(swedish_shop):
    reply = inbound_receive(
        mail=InboundIn(
            from_email="ny@example.se",
            to=[UNKNOWN_TOKEN, "Linnestugan <HEJ@linnestugan.example>"],
            text="Hej",
        )
    )

    assert reply.case.shop == swedish_shop


def test_shop_address_in_delivered_to_is_a_recipient(swedish_shop):
    reply = inbound_receive(
        mail=InboundIn(
            from_email="ny@example.se",
            to=["kundtjanst@forwarder.example"],
            text="Hej",
            headers={"Delivered-To": "hej@linnestugan.example"},
        )
    )

    assert reply.case.shop == swedish_shop


def test_mail_to_no_shop_goes_to_the_shop_where_the_sender_is_a_buyer(swedish_shop, carrier):
    order = make_order(swedish_shop, email="karin.lind@example.se", language="sv")

    reply = inbound_receive(
        mail=InboundIn(from_email="Karin.Lind@Example.se", to=[UNKNOWN_TOKEN], text="Hej")
    )

    assert reply.case.shop == swedish_shop and reply.case.buyer == order.buyer


def test_buyer_of_several_shops_goes_to_the_shop_of_their_latest_order(shop, swedish_shop, carrier):
    make_order(shop, email="karin.lind@example.se", shipped_days_ago=30)
    make_order(swedish_shop, email="karin.lind@example.se", shipped_days_ago=2)

    reply = inbound_receive(
        mail=InboundIn(from_email="karin.lind@example.se", to=[UNKNOWN_TOKEN], text="Hej")
    )

    assert reply.case.shop == swedish_shop


def test_unknown_sender_to_no_shop_still_goes_to_the_first_shop(shop, swedish_shop):
    reply = inbound_receive(mail=InboundIn(from_email="ny@example.se", to=[UNKNOWN_TOKEN], text="Hej"))

    assert reply.case.shop == shop


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
