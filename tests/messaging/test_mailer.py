"""One SMTP connection per worker process, and a dropped one replaced without losing the e-mail."""

import pytest

from messaging import mailer
from messaging.models import BuyerEvent, OutboundStatus
from messaging.services.outbox import notify_buyer
from messaging.services.sending import outbox_send
from tests.messaging.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db


def _use(settings, sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        _use(settings, sink)
        yield sink
    mailer.discard()


def _send(case, n):
    message = notify_buyer(case=case, event=BuyerEvent.CARRIER_CLAIM_FILED, sequence=100 + n)
    outbox_send(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_a_burst_of_emails_goes_over_one_connection(swedish_claim, smtp):
    sent = [_send(swedish_claim.case, n) for n in range(3)]

    assert [message.status for message in sent] == [OutboundStatus.SENT] * 3
    assert len(smtp.wait_for(3)) == 3
    assert len(set(smtp.peers)) == 1


def test_a_connection_the_server_dropped_is_replaced_and_the_email_still_goes(swedish_claim, settings):
    with SmtpSink() as first:
        _use(settings, first)
        _send(swedish_claim.case, 1)
    # The mail server restarts: the connection we hold is dead.
    with SmtpSink(port=first.port) as restarted:
        message = _send(swedish_claim.case, 2)

        assert message.status == OutboundStatus.SENT and message.attempts == 1
        assert len(restarted.wait_for(1)) == 1
    mailer.discard()


def test_an_idle_connection_is_not_trusted(swedish_claim, smtp, monkeypatch):
    _send(swedish_claim.case, 1)
    monkeypatch.setattr(mailer, "IDLE_SECONDS", -1)
    _send(swedish_claim.case, 2)

    assert len(smtp.wait_for(2)) == 2
    assert len(set(smtp.peers)) == 2
