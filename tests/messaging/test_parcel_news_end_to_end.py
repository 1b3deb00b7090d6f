"""End to end: a carrier scan reaches the buyer as one e-mail in their language, through a real worker and SMTP server."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import OutboundMessage, OutboundStatus
from orders.services.tracking import tracking_events_ingest
from tests.factories import make_order

from . import test_email_end_to_end as e2e

# The real worker, Redis queue and SMTP server of the outbox's own end-to-end tests.
pytestmark = e2e.pytestmark
_needs_shared_database = e2e._needs_shared_database
queue, sink, workers = e2e.queue, e2e.sink, e2e.workers
wait_until = e2e.wait_until


def scan(order, status, event_id, **fields):
    shipment = order.shipments.select_related("carrier").first()
    tracking_events_ingest(
        events=[
            {
                "carrier": shipment.carrier.code,
                "tracking_number": shipment.tracking_number,
                "event_id": event_id,
                "occurred_at": timezone.now() - timedelta(minutes=5),
                "status": status,
                **fields,
            }
        ],
        source="test",
    )


@pytest.mark.parametrize(
    ("language", "name", "greeting"),
    [
        ("de", "Ingrid Hofmann", "Guten Tag Ingrid Hofmann,"),
        ("sv", "Karin Lind", "Hej Karin!"),
        ("en", "Jo Miller", "Hello Jo,"),
    ],
)
def test_pickup_point_news_reaches_the_buyer_once_in_their_language(
    shop, carrier, workers, sink, language, name, greeting
):
    shop.tracking_updates = ["available_for_pickup"]
    shop.save()
    order = make_order(shop, email=f"buyer-{language}@example.org", language=language)
    order.buyer.name = name
    order.buyer.save()
    point = "Paketshop Kiosk am Markt, Marktplatz 3, 10115 Berlin"
    workers()

    scan(
        order,
        "available_for_pickup",
        "e1",
        pickup_point=point,
        pickup_until=timezone.localdate() + timedelta(days=7),
    )
    scan(order, "available_for_pickup", "e2", pickup_point=point)  # the carrier repeats itself

    [email] = sink.wait_for(1)
    time.sleep(1.5)
    assert sink.count() == 1
    text = email.get_body(("plain",)).get_content()
    assert email["Content-Language"] == language
    assert email["To"].addresses[0].addr_spec == f"buyer-{language}@example.org"
    assert text.startswith(greeting)
    assert point in text
    assert order.shipments.get().tracking_number in text
    assert point in email.get_body(("html",)).get_content()
    [row] = OutboundMessage.objects.filter(shipment__order=order)
    wait_until(lambda: OutboundMessage.objects.get(pk=row.pk).status == OutboundStatus.SENT)
