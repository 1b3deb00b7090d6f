"""A part that fails (the broker, the cache) costs a delay, never a 500 for work that was saved."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from config.celery import app as celery_app
from messaging.models import OutboundMessage, OutboundStatus
from messaging.services.sending import outbox_send, outbox_sweep
from tests.factories import api_token, make_order
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
            outbox_send(message_id=message_id, now=later)
        even_later = later + timedelta(minutes=10)
        for message_id in outbox_sweep(now=even_later):
            outbox_send(message_id=message_id, now=even_later)

        ids = [m["Message-ID"] for m in sink.messages]
    assert sorted(ids) == sorted(m.message_id for m in messages)  # each one, once
    assert set(OutboundMessage.objects.filter(case=case).values_list("status", flat=True)) == {
        OutboundStatus.SENT
    }


# --- the cache ----------------------------------------------------------------------------


@pytest.fixture
def cache_down(settings):
    """The cache is a Redis on a port nobody listens on, as when it is stopped."""
    if not settings.CACHES["default"]["BACKEND"].endswith("ForgivingRedisCache"):
        pytest.skip("REDIS_URL is not set: the cache is the file cache")
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    }


@pytest.mark.django_db
def test_with_the_cache_down_a_token_client_still_reads_and_writes(cache_down, integration, shop, carrier):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(integration)}")
    order = make_order(shop)

    listed = client.get("/api/v1/orders/")
    opened = client.post("/api/v1/claims/", {"order": order.pk, "type": "damaged"}, format="json")

    assert listed.status_code == 200
    assert opened.status_code == 201, opened.content
    assert Case.objects.filter(reference=opened.json()["reference"]).exists()


@pytest.mark.django_db
def test_with_the_cache_down_the_desk_queue_and_the_portal_lookup_answer(cache_down, agent, shop, carrier):
    order = make_order(shop, email="anna.berg@example.de")
    desk = Client()
    desk.force_login(agent)

    queue = desk.get("/desk/")
    found = Client().post(f"/portal/{shop.slug}/", {"number": order.number, "email": "anna.berg@example.de"})

    assert queue.status_code == 200
    # The buyer is let in: the order page, not the form again with an error.
    assert found.status_code == 302
