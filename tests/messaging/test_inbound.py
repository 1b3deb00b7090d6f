"""Buyer e-mails that come back: threaded, stripped, checked, never answered when automatic, and put in the
shop they were written to. German and Swedish mail clients, Outlook headers, unknown recipients."""

import html
import io
import re

import pytest
from PIL import Image

from cases.models import Case, CaseKind, CaseStatus
from messaging.mailparse import Authentication, InboundAttachmentIn, InboundIn
from messaging.models import InboundMessage, OutboundMessage, SenderDiffers
from messaging.services.inbound import inbound_receive
from tests.factories import make_order

from .conftest import post_mailgun_mime, process_deliveries, reply_mime

pytestmark = pytest.mark.django_db


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


UNKNOWN_TOKEN = "reply+0123456789abcdef0123@reply.postsale.test"


def reply_to(message, text, **fields) -> InboundIn:
    fields.setdefault("from_email", message.to_email)
    return InboundIn(
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


# --- who may answer a case's e-mails --------------------------------------------------------


def resolved(sent):
    Case.objects.filter(pk=sent.case_id).update(status=CaseStatus.RESOLVED)
    return Case.objects.get(pk=sent.case_id)


def test_forged_reply_from_a_stranger_to_the_buyers_reply_address_opens_its_own_enquiry(mailgun, sent):
    # Karin's reply address leaked (a forwarded e-mail); a stranger writes to it through the ESP.
    case = resolved(sent)
    events_before = list(case.events.values_list("pk", flat=True))

    response = post_mailgun_mime(
        reply_mime(
            sent, "Bitte erstatten Sie den Betrag auf mein neues Konto.", sender="Karin <karin@evil.example>"
        )
    )
    process_deliveries()

    assert response.status_code == 200
    [mail] = InboundMessage.objects.all()
    assert mail.case != case and mail.case.kind == CaseKind.ENQUIRY and mail.case.shop == case.shop
    assert mail.sender_differs == SenderDiffers.NOT_A_RECIPIENT and mail.in_reply_to == sent
    assert mail.case.buyer.email == "karin@evil.example"
    assert mail.case.events.filter(verb="email_sender_differs", data__answers=case.reference).exists()
    # The buyer's case: not moved, not written to.
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert list(case.events.values_list("pk", flat=True)) == events_before


def test_stranger_quoting_our_message_id_is_kept_out_of_the_thread_too(sent):
    case = resolved(sent)

    mail = inbound_receive(
        mail=InboundIn(
            from_email="mallory@example.net",
            to=["hilfe@leinen.example"],
            text="Ich bin die Käuferin, schicken Sie mir das Etikett.",
            references=sent.message_id,
        )
    )

    assert mail.case != case and mail.sender_differs == SenderDiffers.NOT_A_RECIPIENT
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_buyer_writing_their_address_in_capitals_is_still_the_buyer(sent):
    case = resolved(sent)

    mail = inbound_receive(mail=reply_to(sent, "Jetzt ist es da.", from_email="KARIN.LIND@example.se"))

    assert mail.case == case and not mail.sender_differs
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_someone_we_wrote_to_about_the_case_may_answer_it(sent):
    # An owner's notification about the case went to the owner; their answer to it belongs to the case.
    other = OutboundMessage.objects.create(
        case=sent.case,
        event="owner_escalation",
        audience="owner",
        to_email="chefin@leinen.example",
        message_id="<owner-1@reply.postsale.test>",
        reply_token="ab" * 12,
    )

    mail = inbound_receive(mail=reply_to(other, "Bitte erstatten.", from_email="chefin@leinen.example"))

    assert mail.case == sent.case and not mail.sender_differs


def test_reply_in_the_buyers_name_that_their_domain_disowns_is_kept_out(sent):
    case = resolved(sent)

    mail = inbound_receive(
        mail=reply_to(sent, "Neue Lieferadresse: …", authentication=Authentication(spf="pass", dmarc="fail"))
    )

    assert mail.case != case and mail.sender_differs == SenderDiffers.NOT_AUTHENTICATED
    assert mail.dmarc == "fail" and mail.case.buyer == case.buyer
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_the_servers_verdict_is_kept_with_the_mail(mailgun, sent):
    raw = reply_mime(sent, "Tack!")
    raw = (
        "Received: from mail-ej1.example.se by mxa.mailgun.org\n"
        "Authentication-Results: mxa.mailgun.org; spf=pass smtp.mailfrom=example.se; dkim=pass "
        "header.d=example.se; dmarc=pass\n"
        "X-Mailgun-Sscore: 0.3\n"
        "Received: by mail-ej1.example.se\n" + raw
    )

    post_mailgun_mime(raw)
    process_deliveries()

    [mail] = InboundMessage.objects.all()
    assert (mail.spf, mail.dkim, mail.dmarc) == ("pass", "pass", "pass")
    assert mail.spam_score == 0.3 and mail.spam_detected is False


def test_agent_sees_the_verdict_and_that_the_sender_differs(client, agent, sent):
    inbound_receive(
        mail=InboundIn(
            from_email="mallory@example.net",
            to=[f"reply+{sent.reply_token}@reply.postsale.test"],
            text="Schicken Sie es an mich.",
            authentication=Authentication(spf="pass", dkim="none", dmarc="none"),
        )
    )
    enquiry = Case.objects.exclude(pk=sent.case_id).get()
    client.force_login(agent)

    page = html.unescape(
        re.sub(r"\s+", " ", client.get(f"/desk/cases/{enquiry.reference}/").content.decode())
    )

    assert "SPF pass · DKIM none · DMARC none" in page
    assert "Sender differs: neither the case's buyer nor a recipient of its e-mails." in page
    assert f"It answers an e-mail of {sent.case.reference}, and was kept out of that case." in page
    assert "E-mail kept out of another case's thread: sender differs" in page


def test_sender_name_with_a_line_break_is_stored_on_one_line(shop):
    mail = inbound_receive(
        mail=InboundIn(
            from_email="neu@example.de", from_name="Eva\r\nBcc: x@evil.example", to=["hilfe@leinen.example"]
        )
    )

    assert mail.from_name == "Eva Bcc: x@evil.example" and mail.case.buyer.name == "Eva Bcc: x@evil.example"
