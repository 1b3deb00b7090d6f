"""Buyer e-mails that come back: threaded, stripped, checked, and never answered when automatic."""

import io

import pytest
from PIL import Image

from cases.models import Case, CaseKind, CaseStatus
from messaging.models import InboundMessage
from messaging.services import InboundAttachmentIn, InboundIn, inbound_receive, outbox_send

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
