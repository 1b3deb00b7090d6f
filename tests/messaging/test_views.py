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


# --- the development mailbox is for the person at this machine ---------------------------------


@pytest.fixture
def mailbox(queued, settings, tmp_path):
    """DEBUG on, and one e-mail written by the file backend; gives the message page's path."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.DEBUG = True
    outbox_send(message_id=queued.pk)
    [path] = tmp_path.glob("*.log")
    return f"/dev/mailbox/{path.stem}~0/"


@pytest.mark.parametrize(
    "attacker",
    [
        {"REMOTE_ADDR": "203.0.113.7"},
        # Forwarding headers are what the client wrote: they do not make it local.
        {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "127.0.0.1", "HTTP_X_REAL_IP": "127.0.0.1"},
        # A tunnel or proxy on this machine connects from 127.0.0.1 on behalf of someone else.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
        {"REMOTE_ADDR": "::1", "HTTP_FORWARDED": "for=203.0.113.7;proto=https"},
        {"REMOTE_ADDR": "10.0.0.5"},
    ],
)
def test_dev_mailbox_is_not_served_to_another_machine_even_with_debug_on(mailbox, queued, attacker):
    client = Client(**attacker)

    listing = client.get("/dev/mailbox/")
    message = client.get(mailbox)

    assert listing.status_code == 404 and queued.case.reference not in listing.content.decode()
    assert message.status_code == 404 and "/portal/" not in message.content.decode()


def test_a_reply_from_another_machine_reaches_no_case(mailbox, queued):
    # The mailbox's reply form posts as the buyer: from outside it would write into any case.
    before = queued.case.inbound_messages.count()

    response = Client(REMOTE_ADDR="203.0.113.7").post(mailbox, {"reply": "Bitte alles erstatten."})

    assert response.status_code == 404
    assert queued.case.inbound_messages.count() == before


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_dev_mailbox_is_served_to_this_machine(mailbox, queued, address):
    response = Client(REMOTE_ADDR=address).get(mailbox)

    assert response.status_code == 200 and "Vi har tagit emot" in response.content.decode()
