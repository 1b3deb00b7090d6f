"""Pages of the messaging app: the development mailbox shows what was written, and only in DEBUG."""

import pytest
from django.test import Client

from messaging.models import InboundDelivery, InboundMessage
from messaging.services.deliveries import inbound_delivery_process
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


def test_reply_as_the_buyer_goes_the_way_of_a_real_reply(queued, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.DEBUG = True
    outbox_send(message_id=queued.pk)
    [path] = tmp_path.glob("*.log")

    response = Client().post(f"/dev/mailbox/{path.stem}~0/", {"reply": "Paketet har kommit nu."})
    [delivery] = InboundDelivery.objects.all()
    inbound_delivery_process(delivery_id=delivery.pk)

    assert response.status_code == 302
    [reply] = InboundMessage.objects.all()
    assert reply.case == queued.case and reply.body == "Paketet har kommit nu." and not reply.sender_differs


def test_dev_mailbox_is_not_served_without_debug(settings):
    settings.DEBUG = False

    assert Client().get("/dev/mailbox/").status_code == 404
