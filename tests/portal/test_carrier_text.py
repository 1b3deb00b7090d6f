"""The carrier's own event text is a small, attributed line under our translated status, never the status."""

import pytest

from orders.models import TrackingEvent

from .conftest import lookup

pytestmark = pytest.mark.django_db


def test_the_carriers_english_text_is_a_small_line_under_the_german_status(client, de_order):
    TrackingEvent.objects.filter(shipment__order=de_order, status="delivered").update(
        description="Delivered To Front Door"
    )
    lookup(client, de_order, de_order.number, "anna.berg@example.de")

    page = client.get(f"/portal/leinen/order/{de_order.number}/").content.decode()

    assert '<small class="p-muted" data-testid="carrier-text">DHL: Delivered To Front Door</small>' in page
