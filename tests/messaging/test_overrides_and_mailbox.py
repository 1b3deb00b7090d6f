"""Owners' own e-mail texts win over the files; the development mailbox shows what was written."""

import pytest
from django.core import mail
from django.test import Client

from messaging.models import EmailTemplateOverride
from messaging.rendering import forget_overrides
from messaging.services import outbox_send

pytestmark = pytest.mark.django_db


def test_owner_override_replaces_subject_and_body_in_that_language(queued, shop, locmem_mail):
    EmailTemplateOverride.objects.create(
        shop=shop,
        event="claim_received",
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
        event="refund_issued",
        language="de",
        subject="Geld zurück: {{ refund_amount }}",
        body="Hallo {{ buyer_name }}",
    )
    client = Client()
    client.force_login(owner)

    response = client.get(f"/admin/messaging/emailtemplateoverride/{override.pk}/change/")

    assert response.status_code == 200
    assert "Geld zurück: 24,90" in response.content.decode()


def test_dev_mailbox_lists_and_shows_file_backend_emails(queued, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.DEBUG = True
    outbox_send(message_id=queued.pk)
    client = Client()

    listing = client.get("/dev/mailbox/")
    [path] = tmp_path.glob("*.log")
    detail = client.get(f"/dev/mailbox/{path.stem}~0/")

    assert listing.status_code == 200 and queued.case.reference in listing.content.decode()
    assert detail.status_code == 200 and "Vi har tagit emot" in detail.content.decode()


def test_dev_mailbox_is_not_served_without_debug(settings):
    settings.DEBUG = False

    assert Client().get("/dev/mailbox/").status_code == 404
