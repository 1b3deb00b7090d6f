"""Tracking from aggregators, on the shop's own parcels and on the returns coming back to it."""

from __future__ import annotations

from orders.models import Shipment, TrackingStatus
from orders.services import IngestResult, tracking_events_ingest
from returns import services as returns
from returns.models import ReturnRequest

from ..models import Integration
from ..providers import UnknownParcel

NOT_A_SCAN = (TrackingStatus.PRE_TRANSIT, TrackingStatus.UNKNOWN)


def tracking_apply(*, integration: Integration, events: list[dict], source: str) -> IngestResult:
    """Tracking events from an aggregator, on the shop's parcels with those numbers.

    Aggregators name carriers their own way ("DHLExpress", "dhl-germany"); the
    tracking number within the shop is what identifies our parcel.
    """
    numbers = {event["tracking_number"] for event in events}
    carriers = dict(
        Shipment.objects.filter(order__shop_id=integration.shop_id, tracking_number__in=numbers)
        .order_by("id")
        .values_list("tracking_number", "carrier__code")
    )
    missing = set(numbers - set(carriers))
    returning = _returns_on_their_way(integration, events, missing)
    missing -= returning
    if missing:
        raise UnknownParcel(missing)
    return tracking_events_ingest(
        events=[
            dict(event, carrier=carriers[event["tracking_number"]])
            for event in events
            if event["tracking_number"] not in returning
        ],
        source=source,
        shop_ids={integration.shop_id},
    )


def _returns_on_their_way(integration: Integration, events: list[dict], numbers: set[str]) -> set[str]:
    """A scan of a return parcel: the return is on its way back and no longer expires."""
    found = dict(
        ReturnRequest.objects.filter(
            order__shop_id=integration.shop_id, tracking_number__in=numbers
        ).values_list("tracking_number", "rma")
    )
    for number, rma in found.items():
        return_scanned(rma=rma, events=[event for event in events if event["tracking_number"] == number])
    return set(found)


def return_scanned(*, rma: str, events: list[dict]) -> bool:
    """The carrier's events on a return parcel: its first real scan puts the return on its way.

    A carrier label bought for the return is known to the carrier before the buyer sends it
    ("label created", "info received"): only a real scan means the parcel is on its way.
    """
    scans = [event["occurred_at"] for event in events if event.get("status") not in NOT_A_SCAN]
    if not scans:
        return False
    returns.return_mark_in_transit(rma=rma, occurred_at=min(scans), tracking_number=events[0]["tracking_number"])
    return True
