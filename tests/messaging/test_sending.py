"""Sending: one claim per row, sent once, retried on failure, swept when its task is lost."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from cases.models import CaseEvent
from messaging import mailer
from messaging.models import BuyerEvent, OutboundMessage, OutboundStatus
from messaging.services.outbox import notify_buyer
from messaging.services.sending import outbox_send, outbox_sweep
from orders.models import Buyer, Order
from tests.factories import make_claim
from tests.orders.conftest import order_payload

from .smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db


def test_send_renders_in_the_buyers_language_with_threading_headers(queued, locmem_mail):
    outcome = outbox_send(message_id=queued.pk)

    assert outcome.sent
    [email] = mail.outbox
    message = email.message()
    assert message["Content-Language"] == "sv"
    assert message["Message-ID"] == queued.message_id
    assert email.reply_to == [f"reply+{queued.reply_token}@reply.postsale.test"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Vi har tagit emot" in email.subject
    assert email.alternatives[0].mimetype == "text/html"
    queued.refresh_from_db()
    assert queued.status == OutboundStatus.SENT and queued.language == "sv"
    assert CaseEvent.objects.filter(case=queued.case, verb="email_sent").exists()


def test_second_delivery_of_the_task_sends_nothing(queued, locmem_mail):
    outbox_send(message_id=queued.pk)
    outcome = outbox_send(message_id=queued.pk)

    assert not outcome.sent and outcome.retry_in is None
    assert len(mail.outbox) == 1


def test_row_being_sent_by_a_live_worker_is_left_alone(queued, locmem_mail):
    OutboundMessage.objects.filter(pk=queued.pk).update(
        status=OutboundStatus.SENDING, claimed_at=timezone.now()
    )

    outcome = outbox_send(message_id=queued.pk)

    assert not outcome.sent and outcome.retry_in > 0
    assert mail.outbox == []


def test_row_left_sending_by_a_dead_worker_is_sent_after_the_timeout(queued, locmem_mail, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.POSTSALE_EMAIL_STALE_SECONDS + 1)
    OutboundMessage.objects.filter(pk=queued.pk).update(
        status=OutboundStatus.SENDING, claimed_at=long_ago, attempts=1
    )

    assert outbox_sweep() == [queued.pk]
    assert outbox_send(message_id=queued.pk).sent
    assert len(mail.outbox) == 1


def test_smtp_failure_requeues_with_backoff(queued, settings, monkeypatch):
    def refuse(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)

    outcome = outbox_send(message_id=queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_in >= 30
    assert queued.status == OutboundStatus.QUEUED and queued.attempts == 1
    assert "unexpectedly closed" in queued.last_error


def test_email_fails_for_good_after_the_last_attempt(queued, settings, monkeypatch):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(SMTPServerDisconnected("gone")),
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboundMessage.objects.filter(pk=queued.pk).update(attempts=settings.POSTSALE_EMAIL_MAX_ATTEMPTS - 1)

    outcome = outbox_send(message_id=queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_in is None and queued.status == OutboundStatus.FAILED
    assert CaseEvent.objects.filter(case=queued.case, verb="email_failed").exists()


def test_sweep_finds_rows_whose_task_never_ran(queued, settings):
    later = timezone.now() + timedelta(seconds=settings.POSTSALE_EMAIL_LOST_SECONDS + 1)

    assert outbox_sweep() == []
    assert outbox_sweep(now=later) == [queued.pk]


# --- names with line breaks -------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield sink
    mailer.discard()


def test_buyer_name_with_a_line_break_sent_by_the_shop_reaches_the_buyer_alone(api, shop, carrier, smtp):
    payload = order_payload("1001", email="anna@example.de")
    payload["buyer"]["name"] = "Anna\r\nBcc: x@evil.example"
    assert api.post("/api/v1/orders/", payload, format="json").status_code == 201
    order = Order.objects.get(number="1001")
    with transaction.atomic():
        case = make_claim(order, "lost_in_transit", opened_via="portal").case
    message = notify_buyer(case=case, event=BuyerEvent.CLAIM_RECEIVED, sequence=1)

    outbox_send(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT
    [email] = smtp.wait_for(1)
    assert smtp.recipients == [["anna@example.de"]]
    assert email["To"] == '"Anna Bcc: x@evil.example" <anna@example.de>' and email["Bcc"] is None
    assert order.buyer.name == "Anna Bcc: x@evil.example"


def test_a_name_stored_with_a_line_break_before_the_fix_no_longer_stops_the_buyers_mail(queued, smtp):
    # Rows written before names were cleaned, and an owner's own name, are cleaned when the mail goes.
    Buyer.objects.filter(pk=queued.case.buyer_id).update(name="Karin\nBcc: x@evil.example")
    OutboundMessage.objects.filter(pk=queued.pk).update(to_name="Karin\nBcc: x@evil.example")

    outcome = outbox_send(message_id=queued.pk)

    assert outcome.sent
    [email] = smtp.wait_for(1)
    assert smtp.recipients == [[queued.to_email]] and "\n" not in email["To"]


def test_a_row_the_sweep_queued_again_is_left_alone_by_the_next_sweeps_until_it_is_lost_again(
    queued, settings
):
    later = timezone.now() + timedelta(seconds=settings.POSTSALE_EMAIL_LOST_SECONDS + 1)

    first = outbox_sweep(now=later)
    next_sweep = outbox_sweep(now=later + timedelta(seconds=3))
    much_later = outbox_sweep(now=later + timedelta(seconds=settings.POSTSALE_EMAIL_LOST_SECONDS + 1))

    # Not queued again behind its own copy on every sweep, but not forgotten either.
    assert (first, next_sweep, much_later) == ([queued.pk], [], [queued.pk])
