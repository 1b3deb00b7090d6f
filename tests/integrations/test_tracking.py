"""A carrier's scan of a return parcel, arriving through a tracking aggregator."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.services import tracking_apply
from returns.models import ReturnStatus
from tests.factories import NAPKINS, make_order, make_return, return_line, track

pytestmark = pytest.mark.django_db


def test_a_scan_of_a_return_parcel_puts_the_return_on_its_way(shop, carrier, connect):
    integration = connect("aftership")
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=2)
    request = make_return(order, return_line(order, reason="too_small"))
    request.tracking_number = "RR123456785SE"
    request.save(update_fields=["tracking_number"])
    scanned = timezone.now() - timedelta(hours=3)

    tracking_apply(
        integration=integration,
        source="aftership",
        events=[
            {
                "tracking_number": "RR123456785SE",
                "event_id": "as-1",
                "occurred_at": scanned,
                "status": "in_transit",
            }
        ],
    )

    request.refresh_from_db()
    assert request.status == ReturnStatus.IN_TRANSIT
    assert request.first_scan_at == scanned
