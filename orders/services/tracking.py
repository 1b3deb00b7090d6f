"""Carrier scans, stored once each, and each parcel's status as its latest scan says."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .. import lookups, signals
from ..models import Shipment, TrackingEvent, TrackingStatus
from .bulk import bulk_update
from .carriers import carrier_code

FUTURE_SLACK = timedelta(days=1)
# Two reports of one scan (AfterShip and DHL's own API, say) rarely agree to the second:
# aggregators round, carriers re-stamp. The same status within this much is the same scan.
SAME_SCAN = timedelta(minutes=1)
SHIPMENT_TRACKING_FIELDS = (
    "status",
    "status_at",
    "last_event_at",
    "delivered_at",
    "delivery_location",
    "signed_by",
    "estimated_delivery",
    "pickup_point",
    "pickup_until",
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
    elsewhere = _scans_from_other_sources(events, shipments, source)
    rows, fresh_ids = [], set()
    for event in events:
        if event["event_id"] in seen or event["event_id"] in fresh_ids:
            continue
        shipment = shipments[(carrier_code(event["carrier"]), event["tracking_number"])]
        if _reported_elsewhere(elsewhere, shipment.pk, event):
            continue
        fresh_ids.add(event["event_id"])
        rows.append(
            TrackingEvent(
                shipment=shipment,
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

    before = {s.pk: s.status for s in shipments.values()}
    changed = {}
    for event in events:
        shipment = shipments[(carrier_code(event["carrier"]), event["tracking_number"])]
        if _apply_event(shipment, event):
            changed[shipment.pk] = shipment
    if changed:
        bulk_update(list(changed.values()), SHIPMENT_TRACKING_FIELDS)
    moves = [(s, before[s.pk], s.status) for s in changed.values() if s.status != before[s.pk]]
    if moves:
        signals.shipments_moved.send(sender=Shipment, moves=moves)
    return IngestResult(accepted=len(rows), duplicates=len(events) - len(rows))


def _scans_from_other_sources(events: list[dict], shipments: dict, source: str) -> dict:
    """(shipment id, status) -> times of the scans other sources stored near this batch's.

    One query for the batch; the shipments are locked, so no other source can add one
    between this look and our insert.
    """
    times = [_as_datetime(e["occurred_at"]) for e in events]
    found: dict[tuple[int, str], list[datetime]] = {}
    rows = (
        TrackingEvent.objects.filter(
            shipment__in=[s.pk for s in shipments.values()],
            status__in={e["status"] for e in events},
            occurred_at__range=(min(times) - SAME_SCAN, max(times) + SAME_SCAN),
        )
        .exclude(source=source)
        .values_list("shipment_id", "status", "occurred_at")
    )
    for shipment_id, status, occurred_at in rows:
        found.setdefault((shipment_id, status), []).append(occurred_at)
    return found


def _reported_elsewhere(elsewhere: dict, shipment_id: int, event: dict) -> bool:
    occurred_at = _as_datetime(event["occurred_at"])
    return any(
        abs(other - occurred_at) <= SAME_SCAN for other in elsewhere.get((shipment_id, event["status"]), ())
    )


def _apply_event(shipment: Shipment, event: dict) -> bool:
    """Fold one event into the shipment; True if anything changed. Idempotent."""
    occurred_at: datetime = event["occurred_at"]
    changed = False
    if event.get("estimated_delivery") and shipment.estimated_delivery != event["estimated_delivery"]:
        shipment.estimated_delivery = event["estimated_delivery"]
        changed = True
    if event["status"] == TrackingStatus.DELIVERED:
        changed |= _apply_delivery(shipment, event, occurred_at)
    if event["status"] == TrackingStatus.AVAILABLE_FOR_PICKUP:
        changed |= _apply_pickup(shipment, event, occurred_at)
    # Ties go to the later arrival: carriers send a correction with the same timestamp.
    if shipment.last_event_at is None or occurred_at >= shipment.last_event_at:
        if (shipment.status, shipment.last_event_at) != (event["status"], occurred_at):
            shipment.status = event["status"]
            shipment.status_at = occurred_at
            shipment.last_event_at = occurred_at
            changed = True
    return changed


def _apply_delivery(shipment: Shipment, event: dict, occurred_at: datetime) -> bool:
    """Who signed and where it was left belong to the latest delivery.

    An older "delivered" (a first delivery before a return and a second one, or a replay)
    changes neither. Another report of the latest one, within a minute, only adds what the
    first report lacked (AfterShip may know the signer where DHL's scan does not): the
    first source wins, as for the stored scan.
    """
    latest = shipment.delivered_at
    before = (shipment.delivered_at, shipment.delivery_location, shipment.signed_by)
    if latest is None or occurred_at > latest + SAME_SCAN:
        shipment.delivered_at = occurred_at
        shipment.delivery_location = event.get("location", "")
        shipment.signed_by = event.get("signed_by", "")
    elif occurred_at >= latest - SAME_SCAN:
        shipment.delivered_at = max(latest, occurred_at)
        shipment.delivery_location = shipment.delivery_location or event.get("location", "")
        shipment.signed_by = shipment.signed_by or event.get("signed_by", "")
    return (shipment.delivered_at, shipment.delivery_location, shipment.signed_by) != before


def _apply_pickup(shipment: Shipment, event: dict, occurred_at: datetime) -> bool:
    """The latest "ready for pickup" names where and until when; an older one only fills gaps."""
    before = (shipment.pickup_point, shipment.pickup_until)
    point, until = event.get("pickup_point") or "", event.get("pickup_until")
    if shipment.last_event_at is None or occurred_at >= shipment.last_event_at:
        shipment.pickup_point = point or shipment.pickup_point
        shipment.pickup_until = until or shipment.pickup_until
    else:
        shipment.pickup_point = shipment.pickup_point or point
        shipment.pickup_until = shipment.pickup_until or until
    return (shipment.pickup_point, shipment.pickup_until) != before
