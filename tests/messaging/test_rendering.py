"""Every e-mail renders in every language, names the shop and the case, and has a one-line subject;
owners' own e-mail texts win over the files."""

import html
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.template.loader import get_template
from django.test import Client

from messaging.models import ALL_EVENTS, BuyerEvent, EmailTemplateOverride
from messaging.rendering import forget_overrides, render_event
from messaging.services.sending import outbox_send

pytestmark = pytest.mark.django_db

EVENTS = [event for event, _label in ALL_EVENTS]
LANGUAGES = ["de", "sv", "en"]

DUMMY = {
    "shop_name": "Leinen & Liebe",
    "support_email": "hilfe@leinen.example",
    "support_phone": "+49 30 1234567",
    "support_url": "https://leinen.example/hilfe",
    "case_reference": "C-2025-000042",
    "case_subject": "Paket nicht angekommen",
    "buyer_name": "Anna Berg",
    "greeting_name": "Anna Berg",
    "recipient_name": "Anna Berg",
    "order_number": "1042",
    "carrier_name": "DHL",
    "tracking_number": "00340434161094042557",
    "tracking_link": "https://www.dhl.de/verfolgen?piececode=00340434161094042557",
    "delivered_at": datetime(2025, 5, 6, 14, 32, tzinfo=ZoneInfo("Europe/Berlin")),
    "delivery_place": "Briefkasten / Garage",
    "signed_by": "Nachbar Krüger",
    "refund_amount": Decimal("24.90"),
    "refund_currency": "EUR",
    "refund_method": "Original payment method",
    "refund_method_code": "original_payment",
    "refund_expected": date(2025, 5, 12),
    "currency": "EUR",
    "reason": "The parcel was signed for at your address.",
    "carrier_claim_reference": "NL-77812",
    "with_return_label": True,
    "attachment_names": ["label.pdf"],
    "qr_code_url": "https://example.com/qr/1",
    "return_deadline": date(2025, 5, 20),
    "items": [
        {"title": "Leinenservietten", "accepted": True},
        {"title": "Tischläufer", "accepted": False, "note": "used"},
    ],
    "all_accepted": False,
    "feedback_links": [
        {"rating": n, "stars": "★" * n, "url": f"https://postsale.example/feedback/x/{n}/"}
        for n in range(5, 0, -1)
    ],
    "body": "Danke für Ihre Geduld.\nIhr Paket ist unterwegs.",
    "agent_name": "Maria",
    "subject": "",
    "amount": "120.00",
    "provider": "PayPal",
    "respond_by": datetime(2025, 5, 20, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
    "desk_url": "https://postsale.example/desk/cases/C-2025-000042/",
    "portal_url": "https://postsale.example/portal/",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", EVENTS)
def test_every_email_renders_in_every_language(event, language):
    rendered = render_event(event, DUMMY, language=language)

    assert rendered.subject and "\n" not in rendered.subject
    assert len(rendered.subject) < 120
    for part in (rendered.text, rendered.html):
        assert "Leinen &amp; Liebe" in part or "Leinen & Liebe" in part
        assert "C-2025-000042" in part
        assert "{%" not in part and "{{" not in part
    assert f'lang="{language}"' in rendered.html
    # css-inline moved the stylesheet into style attributes.
    assert 'style="' in rendered.html


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_has_subject_text_and_html_templates(event):
    for suffix in ("subject.txt", "txt", "html"):
        get_template(f"emails/{event}.{suffix}")


def test_an_email_with_an_empty_context_still_renders():
    rendered = render_event(
        BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS, {"shop_name": "S", "case_reference": "C-1"}, language="sv"
    )

    assert rendered.subject
    assert "C-1" in rendered.text


def test_buyer_emails_give_the_support_contact():
    rendered = render_event(BuyerEvent.CLAIM_RECEIVED, DUMMY, language="de")

    assert "hilfe@leinen.example" in rendered.text
    assert "+49 30 1234567" in rendered.text


# --- owners' overrides ---------------------------------------------------------------


def test_owner_override_replaces_subject_and_body_in_that_language(queued, shop, locmem_mail):
    EmailTemplateOverride.objects.create(
        shop=shop,
        event=BuyerEvent.CLAIM_RECEIVED,
        language="sv",
        subject="Tack, {{ buyer_name }}! Ärende {{ case_reference }}",
        body="Hej {{ buyer_name }}!\n\nVi har fått ditt meddelande.",
    )
    forget_overrides()

    outbox_send(message_id=queued.pk)

    [email] = mail.outbox
    assert email.subject == f"Tack, Karin Lind! Ärende {queued.case.reference}"
    assert email.body.startswith("Hej Karin Lind!")
    assert queued.case.reference in email.body  # the footer with the shop's contact stays


def test_admin_preview_renders_the_override(owner, shop):
    override = EmailTemplateOverride.objects.create(
        shop=shop,
        event=BuyerEvent.REFUND_ISSUED,
        language="de",
        subject="Geld zurück: {{ refund_amount }}",
        body="Hallo {{ buyer_name }}",
    )
    client = Client()
    client.force_login(owner)

    response = client.get(f"/admin/messaging/emailtemplateoverride/{override.pk}/change/")

    assert response.status_code == 200
    assert "Geld zurück: 24,90" in response.content.decode()


@pytest.mark.parametrize(
    "language, sentence",
    [
        ("de", "am 21. November 2026 um 14:32 Uhr zugestellt, doch Sie haben uns mitgeteilt"),
        ("sv", "levererades ditt paket den 21 november 2026 kl. 14:32,"),
    ],
)
def test_check_household_e_mail_words_the_delivery_time_naturally(language, sentence):
    delivered = datetime(2026, 11, 21, 14, 32, tzinfo=ZoneInfo("Europe/Berlin"))
    context = {"shop_name": "Leinen & Liebe", "carrier_name": "DHL", "delivered_at": delivered}

    rendered = render_event(
        BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS, context, language=language, time_zone="Europe/Berlin"
    )

    assert sentence in rendered.text
    assert sentence in html.unescape(rendered.html)
    assert "wie wir verstehen" not in rendered.text
