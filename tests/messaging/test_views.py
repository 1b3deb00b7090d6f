"""Pages of the messaging app: the development mailbox shows what was written, and only in DEBUG."""

import pytest
from django.test import Client

from messaging.services.sending import outbox_send

pytestmark = pytest.mark.django_db


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
