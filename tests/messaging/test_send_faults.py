"""The outbox against a mail server that refuses, stalls or loses us mid-send: each e-mail once, or a reason."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from cases.verbs import Verb
from messaging import mailer
from messaging.models import OutboundMessage, OutboundStatus
from messaging.services.sending import outbox_send

from .smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield sink
    mailer.discard()


def _failed_events(message):
    return list(message.case.events.filter(verb=Verb.EMAIL_FAILED))


def test_a_550_refusal_fails_the_email_at_once_and_tells_the_agent(queued, smtp, agent, client):
    smtp.refuse = "550 5.1.1 No such user here"

    outcome = outbox_send(message_id=queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_in is None
    assert queued.status == OutboundStatus.FAILED and queued.attempts == 1
    assert "550" in queued.last_error
    [event] = _failed_events(queued)
    assert event.data["permanent"] is True and "550" in event.data["error"]
    client.force_login(agent)
    page = client.get(f"/desk/cases/{queued.case.reference}/").content.decode()
    assert str(Verb.EMAIL_FAILED.label) in page


def test_a_451_answer_waits_the_configured_first_delay_and_tells_nobody_yet(queued, smtp, settings):
    settings.POSTSALE_EMAIL_FIRST_RETRY = 30
    smtp.refuse = "451 4.7.1 Greylisted, try again later"
    before = timezone.now()

    outcome = outbox_send(message_id=queued.pk, now=before)

    queued.refresh_from_db()
    assert queued.status == OutboundStatus.QUEUED and queued.attempts == 1
    # The first retry waits the base delay (plus up to a quarter of jitter), not twice it.
    assert 30 <= outcome.retry_in <= 37
    assert before + timedelta(seconds=30) <= queued.next_attempt_at <= timezone.now() + timedelta(seconds=38)
    assert _failed_events(queued) == []


def test_a_stray_copy_of_the_task_does_not_send_before_the_backoff_is_over(queued, smtp):
    smtp.refuse = "451 4.3.0 Try later"
    outbox_send(message_id=queued.pk)
    queued.refresh_from_db()
    smtp.refuse = None

    early = outbox_send(message_id=queued.pk, now=queued.next_attempt_at - timedelta(seconds=1))
    on_time = outbox_send(message_id=queued.pk, now=queued.next_attempt_at + timedelta(seconds=1))

    assert not early.sent and early.retry_in is None
    assert on_time.sent
    assert smtp.count() == 1 and smtp.rcpt_attempts == 2


def test_the_configured_number_of_attempts_is_the_number_made(queued, smtp, settings):
    settings.POSTSALE_EMAIL_MAX_ATTEMPTS = 3
    smtp.refuse = "421 4.4.2 Connection dropped"
    now = timezone.now()

    outcomes = []
    for _ in range(5):  # more tries than allowed: the last two must find nothing to do
        outcomes.append(outbox_send(message_id=queued.pk, now=now))
        queued.refresh_from_db()
        now = (queued.next_attempt_at or now) + timedelta(seconds=1)

    assert smtp.rcpt_attempts == 3
    assert queued.status == OutboundStatus.FAILED and queued.attempts == 3
    assert [o.retry_in is not None for o in outcomes] == [True, True, False, False, False]
    [event] = _failed_events(queued)
    assert event.data["permanent"] is False and event.data["attempts"] == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates a PostgreSQL backend")
def test_a_connection_lost_after_the_server_accepted_is_marked_sent_on_a_new_one(queued, smtp):
    # The database connection dies between the server's "250" and our "sent": the row must
    # still say sent, or the sweep would send the e-mail a second time.
    connection.ensure_connection()
    victim = connection.connection.info.backend_pid

    def terminate():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [victim])
        connections["default"].close()

    def kill_our_connection(_message):
        # The SMTP server runs an event loop, where Django refuses to query: a thread of its own.
        thread = threading.Thread(target=terminate)
        thread.start()
        thread.join()

    smtp.on_accept = kill_our_connection

    outcome = outbox_send(message_id=queued.pk)

    queued.refresh_from_db()
    assert outcome.sent
    assert queued.status == OutboundStatus.SENT
    assert smtp.count() == 1
    assert queued.case.events.filter(verb=Verb.EMAIL_SENT).count() == 1
    assert OutboundMessage.objects.filter(status=OutboundStatus.SENDING).count() == 0


def test_an_esp_refusing_a_hard_bounced_address_fails_the_email_at_once(queued, postmark):
    postmark.inactive.add(queued.to_email)

    outcome = outbox_send(message_id=queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_in is None and queued.status == OutboundStatus.FAILED
    [event] = _failed_events(queued)
    assert event.data["permanent"] is True


def test_an_esp_that_is_unavailable_is_tried_again_later(queued, postmark):
    postmark.unavailable = True

    outcome = outbox_send(message_id=queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_in is not None and queued.status == OutboundStatus.QUEUED
    assert _failed_events(queued) == []
