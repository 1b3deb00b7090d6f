"""Buyer e-mails that come back: threaded, stripped, checked, never answered when automatic, and put in the
shop they were written to. German and Swedish mail clients, Outlook headers, unknown recipients."""

import io

import pytest
from PIL import Image

from cases.models import Case, CaseKind, CaseStatus
from messaging.mailparse import InboundAttachmentIn, InboundIn
from messaging.models import InboundMessage
from messaging.services.inbound import inbound_receive
from messaging.services.sending import outbox_send
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(queued, locmem_mail):
    outbox_send(message_id=queued.pk)
    queued.refresh_from_db()
    return queued


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


UNKNOWN_TOKEN = "reply+0123456789abcdef0123@reply.postsale.test"


def reply_to(message, text, **fields) -> InboundIn:
    return InboundIn(
        from_email=message.to_email,
        to=[f"reply+{message.reply_token}@reply.postsale.test"],
        text=text,
        **fields,
    )


def test_reply_to_token_finds_the_case_without_any_headers(sent):
    reply = inbound_receive(
        mail=InboundIn(
            from_email=sent.to_email, to=[f"reply+{sent.reply_token}@reply.postsale.test"], text="Hej"
        )
    )

    assert reply.case == sent.case


def test_references_header_finds_the_case(sent):
    reply = inbound_receive(
        mail=InboundIn(
            from_email=sent.to_email,
            to=["hilfe@leinen.example"],
            text="Hej",
            references=f"<older@example.se> {sent.message_id}",
        )
    )

    assert reply.case == sent.case


def test_mail_from_an_unknown_sender_opens_an_enquiry_on_the_recipients_shop(shop):
    reply = inbound_receive(
        mail=InboundIn(
            from_email="neu@example.de",
            from_name="Neue Kundin",
            to=["hilfe@leinen.example"],
            subject="Frage zur Lieferung",
            text="Wann kommt mein Paket?",
            message_id="<new-1@example.de>",
        )
    )

    case = reply.case
    assert case.kind == CaseKind.ENQUIRY and case.opened_via == "email"
    assert case.shop == shop and case.buyer.email == "neu@example.de"
    assert case.subject == "Frage zur Lieferung"


def test_same_inbound_message_twice_is_stored_once(shop):
    mail = InboundIn(
        from_email="neu@example.de", to=["hilfe@leinen.example"], text="Hallo", message_id="<dup@x>"
    )

    inbound_receive(mail=mail)
    assert inbound_receive(mail=mail) is None
    assert InboundMessage.objects.count() == 1


def test_out_of_office_reply_neither_reopens_the_case_nor_counts_as_answer(sent):
    case = sent.case
    case.status = CaseStatus.WAITING_ON_BUYER
    case.save()

    reply = inbound_receive(
        mail=InboundIn(
            from_email=sent.to_email,
            to=[f"reply+{sent.reply_token}@reply.postsale.test"],
            text="Jag är på semester.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )

    case.refresh_from_db()
    assert reply.auto_submitted
    assert case.status == CaseStatus.WAITING_ON_BUYER


def test_bounce_from_an_unknown_address_starts_no_case(shop):
    before = Case.objects.count()

    reply = inbound_receive(
        mail=InboundIn(
            from_email="MAILER-DAEMON@mx.example", to=["hilfe@leinen.example"], text="Undeliverable"
        )
    )

    assert reply is None and Case.objects.count() == before


def test_attachments_are_judged_by_their_content(sent):
    reply = inbound_receive(
        mail=InboundIn(
            from_email=sent.to_email,
            to=[f"reply+{sent.reply_token}@reply.postsale.test"],
            text="Bilder bifogade",
            attachments=[
                InboundAttachmentIn("karton.png", png_bytes(), "image/png"),
                InboundAttachmentIn("faktura.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
            ],
        )
    )

    [kept] = reply.attachments.all()
    assert kept.mimetype == "image/png" and kept.filename == "karton.png"
    assert reply.rejected_attachments == [{"filename": "faktura.pdf", "reason": "not a photo or PDF"}]


def test_reply_to_a_closed_case_opens_a_new_one(sent):
    Case.objects.filter(pk=sent.case_id).update(status=CaseStatus.CLOSED)

    reply = inbound_receive(
        mail=InboundIn(
            from_email=sent.to_email, to=[f"reply+{sent.reply_token}@reply.postsale.test"], text="En sak till"
        )
    )

    assert reply.case != sent.case and reply.case.kind == CaseKind.ENQUIRY


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
