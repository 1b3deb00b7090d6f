"""Carrier scans, stored once each, and each parcel's status as its latest scan says."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .. import lookups
from ..models import Shipment, TrackingEvent, TrackingStatus
from .bulk import bulk_update
from .carriers import carrier_code

FUTURE_SLACK = timedelta(days=1)
SHIPMENT_TRACKING_FIELDS = (
    "status",
    "status_at",
    "last_event_at",
    "delivered_at",
    "delivery_location",
    "signed_by",
    "estimated_delivery",
)


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


def _as_datetime(value) -> datetime:
    # The API hands over datetimes; the demo, the CSV import and some providers ISO strings.
    value = parse_datetime(value) if isinstance(value, str) else value
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@transaction.atomic
def tracking_events_ingest(
    *, events: list[dict], source: str = "api", shop_ids: Set[int] | None = None
) -> IngestResult:
    """Store carrier events once each and move each shipment to its latest status.

    Events arrive late, twice and out of order (carriers retry, aggregators
    replay). The shipment takes the status of the event with the latest
    `occurred_at` ever seen, so order of arrival does not matter; a repeated
    `event_id` is stored once. With `shop_ids` (the caller's shops) another
    shop's parcel is refused as unknown, and nothing is written.
    """
    if not events:
        return IngestResult(accepted=0, duplicates=0)
    carriers = lookups.carriers_by_code({carrier_code(e["carrier"]) for e in events})
    numbers = {e["tracking_number"] for e in events}
    # Locked in id order so two batches touching the same parcels queue up instead of deadlocking.
    parcels = Shipment.objects.filter(tracking_number__in=numbers, carrier__in=carriers.values())
    if shop_ids is not None:
        parcels = parcels.filter(order__shop_id__in=shop_ids)
    shipments = {
        (s.carrier.code, s.tracking_number): s
        for s in parcels.select_for_update(of=("self",)).select_related("carrier").order_by("id")
    }
    errors = {}
    # A scan from the future would outrank every real scan after it (the latest event sets the
    # status): a clock or time-zone mistake must not freeze a parcel. A day of slack covers
    # carriers that send local times without an offset.
    latest_possible = timezone.now() + FUTURE_SLACK
    for index, event in enumerate(events):
        if (carrier_code(event["carrier"]), event["tracking_number"]) not in shipments:
            errors[f"[{index}].tracking_number"] = [
                f"No shipment with {event['carrier']} tracking number {event['tracking_number']}."
            ]
        if _as_datetime(event["occurred_at"]) > latest_possible:
            errors[f"[{index}].occurred_at"] = [
                "This is in the future; send the time the carrier scanned the parcel."
            ]
    if errors:
        raise ValidationError(errors)

    seen = set(
        TrackingEvent.objects.filter(
            source=source, source_event_id__in={e["event_id"] for e in events}
        ).values_list("source_event_id", flat=True)
    )
    rows, fresh_ids = [], set()
    for event in events:
        if event["event_id"] in seen or event["event_id"] in fresh_ids:
            continue
        fresh_ids.add(event["event_id"])
        rows.append(
            TrackingEvent(
                shipment=shipments[(carrier_code(event["carrier"]), event["tracking_number"])],
                status=event["status"],
                carrier_status=event.get("carrier_status", ""),
                description=event.get("description", ""),
                location=event.get("location", ""),
                occurred_at=event["occurred_at"],
                source=source,
                source_event_id=event["event_id"],
                raw=event.get("raw") or {},
            )
        )
    # ignore_conflicts: a concurrent request may have stored the same id since we looked.
    TrackingEvent.objects.bulk_create(rows, ignore_conflicts=True)

    changed = {}
    for event in events:
        shipment = shipments[(carrier_code(event["carrier"]), event["tracking_number"])]
        if _apply_event(shipment, event):
            changed[shipment.pk] = shipment
    if changed:
        bulk_update(list(changed.values()), SHIPMENT_TRACKING_FIELDS)
    return IngestResult(accepted=len(rows), duplicates=len(events) - len(rows))


def _apply_event(shipment: Shipment, event: dict) -> bool:
    """Fold one event into the shipment; True if anything changed. Idempotent."""
    occurred_at: datetime = event["occurred_at"]
    changed = False
    if event.get("estimated_delivery") and shipment.estimated_delivery != event["estimated_delivery"]:
        shipment.estimated_delivery = event["estimated_delivery"]
        changed = True
    if event["status"] == TrackingStatus.DELIVERED:
        if shipment.delivered_at is None or occurred_at > shipment.delivered_at:
            shipment.delivered_at = occurred_at
            shipment.delivery_location = event.get("location", "") or shipment.delivery_location
            changed = True
        if event.get("signed_by"):
            shipment.signed_by = event["signed_by"]
            changed = True
    # Ties go to the later arrival: carriers send a correction with the same timestamp.
    if shipment.last_event_at is None or occurred_at >= shipment.last_event_at:
        if (shipment.status, shipment.last_event_at) != (event["status"], occurred_at):
            shipment.status = event["status"]
            shipment.status_at = occurred_at
            shipment.last_event_at = occurred_at
            changed = True
    return changed
