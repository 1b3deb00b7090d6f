"""E-mails queued and sent, and ESP webhooks posted as Mailgun and Postmark post them."""

import base64
import hashlib
import hmac
import json
import time
from email.message import EmailMessage

import pytest
from django.db import transaction
from django.test import Client

from messaging.models import BuyerEvent, InboundDelivery
from messaging.rendering import forget_overrides
from messaging.services.deliveries import inbound_delivery_process
from messaging.services.outbox import notify_buyer
from messaging.services.sending import outbox_send
from tests.factories import make_claim, make_order

from .fake_postmark import TOKEN, FakePostmark

WEBHOOK_SECRET = ("anymail", "webhook-secret-3f9a1c7e5b2d")
MAILGUN_KEY = "key-mailgun-test-signing"


@pytest.fixture
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.POSTSALE_REPLY_DOMAIN = "reply.postsale.test"


@pytest.fixture
def swedish_claim(shop, carrier):
    order = make_order(shop, email="karin.lind@example.se", language="sv")
    with transaction.atomic():
        claim = make_claim(order, "lost_in_transit", opened_via="portal")
    return claim


@pytest.fixture
def queued(swedish_claim):
    """The claim's acknowledgement row (queued by claim_open, or by us if it did not)."""
    return notify_buyer(case=swedish_claim.case, event=BuyerEvent.CLAIM_RECEIVED, sequence=1)


@pytest.fixture
def sent(queued, locmem_mail):
    outbox_send(message_id=queued.pk)
    queued.refresh_from_db()
    return queued


@pytest.fixture(autouse=True)
def _fresh_override_cache():
    # The worker caches owners' overrides for 30 s; one test's override must not leak into the next.
    forget_overrides()
    yield
    forget_overrides()


# --- the ESP's webhooks -------------------------------------------------------------------


@pytest.fixture
def use_esp(settings):
    """Mount one ESP's webhooks, locked with the shared secret (and, for Mailgun, its signing key)."""

    def use(name: str):
        settings.POSTSALE_WEBHOOK_ESP = name
        settings.ANYMAIL = {
            "WEBHOOK_SECRET": ":".join(WEBHOOK_SECRET),
            "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
            "POSTMARK_SERVER_TOKEN": TOKEN,
        }

    return use


@pytest.fixture
def mailgun(use_esp, locmem_mail):
    """Webhooks from Mailgun, signed with its webhook signing key; mail goes to Django's outbox."""
    use_esp("mailgun")


@pytest.fixture
def postmark(settings, use_esp):
    """Sending and webhooks through Postmark; its send API is a fake on loopback."""
    use_esp("postmark")
    with FakePostmark() as fake:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_API_URL": fake.url}
        settings.POSTSALE_REPLY_DOMAIN = "reply.postsale.test"
        yield fake


@pytest.fixture
def sent_by_postmark(queued, postmark):
    """The claim's acknowledgement as Postmark accepted it: it carries Postmark's MessageID."""
    outbox_send(message_id=queued.pk)
    queued.refresh_from_db()
    assert queued.esp_message_id
    return queued


def basic_auth(user=WEBHOOK_SECRET[0], password=WEBHOOK_SECRET[1]) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def mailgun_signature(token="tok-1", key=MAILGUN_KEY) -> dict:
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature}


def post_json(url, payload, **headers):
    return Client().post(url, json.dumps(payload), content_type="application/json", **headers)


def mime(sender: str, to: str, text: str, **headers) -> str:
    """An e-mail as a mail client writes it; header names with underscores for dashes."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_string()


def reply_mime(sent, text, sender=None, **headers) -> str:
    """A reply to one of our e-mails, to its reply+token address, In-Reply-To its Message-ID."""
    headers = {
        "Subject": "Re: " + (sent.subject or "Ihr Fall"),
        "Message_ID": f"<reply-{time.time_ns()}@example.se>",
        "In_Reply_To": sent.message_id,
        **headers,
    }
    return mime(
        sender or f"Karin Lind <{sent.to_email}>",
        f"reply+{sent.reply_token}@reply.postsale.test",
        text,
        **headers,
    )


def post_mailgun_mime(raw: str, token="in-1", **auth):
    """Mailgun's route forward(): the raw message in body-mime, signed with the webhook signing key."""
    return Client().post(
        "/anymail/mailgun/inbound_mime/",
        {"body-mime": raw, "sender": "bounce@example.se", **mailgun_signature(token)},
        **(auth or basic_auth()),
    )


def process_deliveries() -> list:
    """What the Celery task does for every stored delivery, oldest first."""
    return [
        inbound_delivery_process(delivery_id=pk)
        for pk in InboundDelivery.objects.order_by("id").values_list("pk", flat=True)
    ]
