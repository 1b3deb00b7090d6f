"""A carrier's scan of a return parcel, arriving through a tracking aggregator."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import OpenedVia
from integrations.services import tracking_apply
from returns import services as returns
from returns.eligibility import LineIn
from returns.models import ReturnStatus
from tests.factories import NAPKINS, make_order, track

pytestmark = pytest.mark.django_db


def test_a_scan_of_a_return_parcel_puts_the_return_on_its_way(shop, carrier, connect):
    integration = connect("aftership")
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=2)
    request = returns.return_request(
        order=order,
        lines=[LineIn(order_line=order.lines.first(), quantity=1, reason="too_small")],
        method="drop_off",
        resolution="refund",
        opened_via=OpenedVia.PORTAL,
    )
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
