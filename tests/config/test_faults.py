"""A part that fails (the broker, the cache) costs a delay, never a 500 for work that was saved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from config.celery import app as celery_app
from messaging.models import OutboundMessage, OutboundStatus
from messaging.services.sending import outbox_send, outbox_sweep
from tests.factories import make_order
from tests.messaging.smtp_sink import SmtpSink, free_port


@pytest.fixture
def broker_down():
    """The Celery app's broker is a port nobody listens on, as when Redis is stopped."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    _forget_connections()
    yield
    celery_app.conf.broker_url = previous
    _forget_connections()


def _forget_connections():
    # The app keeps a pool of broker connections and producers; a new URL needs new ones.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_a_claim_posted_while_the_broker_is_down_is_saved_and_its_mail_sent_later_once(
    broker_down, agent_api, shop, carrier, settings
):
    order = make_order(shop)

    # on_commit runs inside the request here (transaction=True): a publish error would be a 500.
    response = agent_api.post(
        "/api/v1/claims/", {"order": order.pk, "type": "damaged", "statement": "Kaputt."}, format="json"
    )

    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    messages = list(OutboundMessage.objects.filter(case=case))
    assert messages and {m.status for m in messages} == {OutboundStatus.QUEUED}

    # The sweep, once the broker is back, finds the row whose task never ran and sends it; a second
    # sweep finds nothing left to send.
    later = timezone.now() + timedelta(seconds=settings.POSTSALE_EMAIL_LOST_SECONDS + 1)
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        for message_id in outbox_sweep(now=later):
            outbox_send(message_id=message_id)
        for message_id in outbox_sweep(now=later + timedelta(minutes=10)):
            outbox_send(message_id=message_id)

        ids = [m["Message-ID"] for m in sink.messages]
    assert sorted(ids) == sorted(m.message_id for m in messages)  # each one, once
    assert set(OutboundMessage.objects.filter(case=case).values_list("status", flat=True)) == {
        OutboundStatus.SENT
    }
