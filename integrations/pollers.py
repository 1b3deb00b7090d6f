"""PostNord and DHL do not call us: a beat task asks them about our active parcels, and about the
return parcels coming back on their labels until the carrier first scans them.

Each run asks about the parcels that are due (never asked, or their
`next_poll_at` has passed), a bounded number per run so the daily quota holds,
spaced by the carrier's rate limit. A 429 or 5xx is retried with backoff
(honouring Retry-After); if the carrier stays unavailable the run stops there
and the parcel is asked again later.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from orders.models import Shipment
from orders.models import TrackingStatus as S
from orders.services import tracking_events_ingest
from returns.models import AWAITING_PARCEL, LabelSource, ReturnRequest

from .carrier_texts import refine
from .http import HttpClient, HttpError, Unavailable
from .models import Integration, PollState, ReturnPollState, Source
from .providers import parse_date, parse_datetime
from .services.tracking import return_scanned

log = logging.getLogger(__name__)

FINAL = (S.DELIVERED, S.RETURNED_TO_SENDER, S.LOST)
# Parcels shipped longer ago than this are not asked about any more.
MAX_AGE = timedelta(days=60)


def _location(place: dict) -> str:
    return ", ".join(str(place[key]) for key in place if place.get(key) and isinstance(place[key], str))[:200]


# --- PostNord ------------------------------------------------------------------

POSTNORD_STATUS = {
    "CREATED": S.PRE_TRANSIT,
    "INFORMED": S.PRE_TRANSIT,
    "EN_ROUTE": S.IN_TRANSIT,
    "SPLIT": S.IN_TRANSIT,
    "DELAYED": S.IN_TRANSIT,
    "EXPECTED_DELAY": S.IN_TRANSIT,
    # PostNord's "available for delivery" is the parcel waiting at the service point.
    "AVAILABLE_FOR_DELIVERY": S.AVAILABLE_FOR_PICKUP,
    "DELIVERED": S.DELIVERED,
    "DELIVERY_IMPOSSIBLE": S.DELIVERY_FAILED,
    "DELIVERY_REFUSED": S.DELIVERY_FAILED,
    "RETURNED": S.RETURNED_TO_SENDER,
    "STOPPED": S.EXCEPTION,
    "OTHER": S.UNKNOWN,
}
# PostNord gives local times without an offset.
POSTNORD_ZONE = "Europe/Stockholm"


def postnord_events(data: dict, tracking_number: str) -> list[dict]:
    """Our events from a `findByIdentifier.json` answer (TrackingInformationResponse)."""
    shipments = (data.get("TrackingInformationResponse") or {}).get("shipments") or []
    events = []
    for shipment in shipments:
        items = shipment.get("items") or []
        # The identifier may be the shipment id or one item (kolli) of it.
        mine = [item for item in items if item.get("itemId") == tracking_number] or items
        for item in mine:
            estimated = parse_date(
                item.get("estimatedTimeOfArrival")
                or (item.get("statusText") or {}).get("estimatedTimeOfArrival")
                or shipment.get("estimatedTimeOfArrival")
            )
            signed_by = (item.get("acceptor") or {}).get("name") or ""
            # Where the parcel waits and the last day to fetch it are said once, for the item's
            # present state, not per event.
            waiting_at = _postnord_point(item.get("deliveryPoint") or shipment.get("deliveryPoint"))
            notice = [
                (item.get("statusText") or {}).get("header"),
                (item.get("statusText") or {}).get("body"),
                (shipment.get("statusText") or {}).get("header"),
                (shipment.get("statusText") or {}).get("body"),
            ]
            for entry in item.get("events") or item.get("event") or []:
                occurred_at = parse_datetime(entry.get("eventTime"), naive_zone=POSTNORD_ZONE)
                if occurred_at is None:
                    continue
                place = entry.get("location") or {}
                location = str(place.get("displayName") or place.get("name") or _location(place))[:200]
                coarse = POSTNORD_STATUS.get(entry.get("status") or "", S.UNKNOWN)
                texts = [entry.get("eventDescription"), entry.get("eventCode")]
                if coarse == S.AVAILABLE_FOR_PICKUP:
                    texts += notice
                refined = refine(coarse, texts, location=location, on=occurred_at.date())
                status = refined.status
                events.append(
                    {
                        "tracking_number": tracking_number,
                        "event_id": f"{item.get('itemId') or tracking_number}:{entry.get('eventTime')}:{entry.get('eventCode')}"[
                            :128
                        ],
                        "occurred_at": occurred_at,
                        "status": status,
                        "carrier_status": str(entry.get("eventCode") or entry.get("status") or "")[:80],
                        "description": str(entry.get("eventDescription") or "")[:500],
                        "location": location,
                        "signed_by": signed_by if status == S.DELIVERED else "",
                        "estimated_delivery": estimated,
                        "pickup_point": (waiting_at or location)[:200]
                        if status == S.AVAILABLE_FOR_PICKUP
                        else "",
                        "pickup_until": refined.pickup_until,
                        "raw": entry,
                    }
                )
    return events


def _postnord_point(point) -> str:
    """A service point as PostNord describes it: its name, then street and town."""
    if not isinstance(point, dict):
        return ""
    address = point.get("address") if isinstance(point.get("address"), dict) else {}
    parts = [point.get("displayName") or point.get("name"), address.get("street1"), address.get("city")]
    return ", ".join(str(part) for part in parts if part and isinstance(part, str))[:200]


def postnord_fetch(client: HttpClient, tracking_number: str, *, base_url: str, api_key: str) -> list[dict]:
    response = client.get(
        f"{base_url.rstrip('/')}/rest/shipment/v5/trackandtrace/findByIdentifier.json",
        params={"id": tracking_number, "apikey": api_key, "locale": "en"},
    )
    return postnord_events(response.json(), tracking_number)


# --- DHL -----------------------------------------------------------------------

DHL_STATUS = {
    "pre-transit": S.PRE_TRANSIT,
    "transit": S.IN_TRANSIT,
    "delivered": S.DELIVERED,
    "failure": S.DELIVERY_FAILED,
    "unknown": S.UNKNOWN,
}
# DHL Paket gives German local times; when an offset is missing, that is the zone.
DHL_ZONE = "Europe/Berlin"


def dhl_events(data: dict, tracking_number: str) -> list[dict]:
    """Our events from a Shipment Tracking – Unified `GET /track/shipments` answer."""
    events = []
    for shipment in data.get("shipments") or []:
        estimated = parse_date(shipment.get("estimatedTimeOfDelivery"))
        proof = (shipment.get("details") or {}).get("proofOfDelivery") or {}
        signed_by = (proof.get("signee") or {}).get("name") or ""
        for entry in shipment.get("events") or []:
            occurred_at = parse_datetime(entry.get("timestamp"), naive_zone=DHL_ZONE)
            if occurred_at is None:
                continue
            address = (entry.get("location") or {}).get("address") or {}
            location = ", ".join(
                str(address[key])
                for key in ("streetAddress", "addressLocality", "postalCode", "countryCode")
                if address.get(key)
            )[:200]
            description = str(entry.get("description") or entry.get("status") or "")
            # The statusCode is coarse ("transit" for a parcel in a Packstation); its words are not.
            refined = refine(
                DHL_STATUS.get(entry.get("statusCode") or "", S.UNKNOWN),
                [entry.get(key) for key in ("status", "description", "statusDetailed", "remark")],
                location=location,
                on=occurred_at.date(),
            )
            status = refined.status
            digest = hashlib.sha1(description.encode(), usedforsecurity=False).hexdigest()[:8]
            events.append(
                {
                    "tracking_number": tracking_number,
                    # DHL events have no id: time, code and text name one.
                    "event_id": f"{shipment.get('id') or tracking_number}:{entry.get('timestamp')}:{entry.get('statusCode')}:{digest}"[
                        :128
                    ],
                    "occurred_at": occurred_at,
                    "status": status,
                    "carrier_status": str(entry.get("statusCode") or "")[:80],
                    "description": description[:500],
                    "location": location,
                    "signed_by": signed_by if status == S.DELIVERED else "",
                    "estimated_delivery": estimated,
                    "pickup_point": refined.pickup_point,
                    "pickup_until": refined.pickup_until,
                    "raw": entry,
                }
            )
    return events


def dhl_fetch(client: HttpClient, tracking_number: str, *, base_url: str, api_key: str) -> list[dict]:
    try:
        response = client.get(
            f"{base_url.rstrip('/')}/track/shipments",
            params={"trackingNumber": tracking_number},
            headers={"DHL-API-Key": api_key},
        )
    except HttpError as exc:
        if exc.status == 404:
            return []  # DHL answers 404 until the parcel is in its network
        raise
    return dhl_events(response.json(), tracking_number)


# --- the run ---------------------------------------------------------------------


@dataclass(frozen=True)
class Carrier:
    source: str
    codes: tuple[str, ...]
    fetch: object
    url_setting: str
    key_setting: str
    # Seconds between calls, and calls per run (DHL's default quota: 250 a day, 1 per 5 s).
    min_interval: float
    per_run: int


CARRIERS = {
    Source.POSTNORD: Carrier(
        Source.POSTNORD, ("postnord",), postnord_fetch, "POSTNORD_API_URL", "POSTNORD_API_KEY", 0.5, 100
    ),
    Source.DHL: Carrier(
        Source.DHL, ("dhl", "dhl-paket", "dhl-express"), dhl_fetch, "DHL_API_URL", "DHL_API_KEY", 5.0, 5
    ),
}


def next_poll(parcel: Shipment | ReturnRequest, now: datetime, *, failures: int = 0) -> datetime:
    if failures:
        return now + min(timedelta(minutes=15) * 2**failures, timedelta(hours=24))
    # A buyer sends a return within days, not hours: twice a day finds its first scan in time.
    if isinstance(parcel, ReturnRequest):
        return now + timedelta(hours=12)
    # A parcel at a pickup point waits days for the buyer: asking every half hour would spend
    # DHL's 250 calls a day on parcels where nothing happens.
    if parcel.status == S.OUT_FOR_DELIVERY:
        return now + timedelta(minutes=30)
    return now + timedelta(hours=2)


def due_shipments(codes, *, now: datetime, limit: int):
    return list(
        Shipment.objects.select_related("carrier", "order__shop")
        .filter(carrier__code__in=codes)
        .exclude(status__in=FINAL)
        .filter(Q(shipped_at__isnull=True) | Q(shipped_at__gte=now - MAX_AGE))
        .filter(Q(poll_state__isnull=True) | Q(poll_state__next_poll_at__lte=now))
        .order_by(F("poll_state__next_poll_at").asc(nulls_first=True), "id")[:limit]
    )


def due_returns(codes, *, now: datetime, limit: int) -> list[ReturnRequest]:
    """Return parcels on a label of these carriers that the carrier has not scanned yet.

    Labels bought through EasyPost are followed by EasyPost's tracker, which calls us: asking
    DHL about them too would spend its small daily quota twice.
    """
    if limit <= 0:
        return []
    return list(
        ReturnRequest.objects.select_related("order")
        .filter(carrier__code__in=codes, status__in=AWAITING_PARCEL, first_scan_at__isnull=True)
        .exclude(tracking_number="")
        .exclude(label_provider=LabelSource.EASYPOST)
        .filter(label_issued_at__gte=now - MAX_AGE)
        .filter(Q(poll_state__isnull=True) | Q(poll_state__next_poll_at__lte=now))
        .order_by(F("poll_state__next_poll_at").asc(nulls_first=True), "id")[:limit]
    )


def _api_key(carrier: Carrier, shop_id: int, default: str) -> str:
    # A shop with its own carrier contract may have its own key.
    own = (
        Integration.objects.filter(shop_id=shop_id, source=carrier.source, active=True)
        .exclude(api_key="")
        .first()
    )
    return (own.carrier_api_key if own else "") or default


def poll_carrier(source: str, *, client: HttpClient | None = None, now: datetime | None = None) -> dict:
    carrier = CARRIERS[source]
    base_url = getattr(settings, carrier.url_setting, "")
    default_key = getattr(settings, carrier.key_setting, "")
    now = now or timezone.now()
    client = client or HttpClient(
        min_interval=getattr(settings, f"{source.upper()}_MIN_INTERVAL", carrier.min_interval)
    )
    counts = {"polled": 0, "events": 0, "failures": 0}
    if not base_url:
        return counts
    per_run = getattr(settings, f"{source.upper()}_PER_RUN", carrier.per_run)
    shipments = due_shipments(carrier.codes, now=now, limit=per_run)
    # What is left of the run's quota goes to return parcels.
    parcels = [*shipments, *due_returns(carrier.codes, now=now, limit=per_run - len(shipments))]
    for parcel in parcels:
        is_return = isinstance(parcel, ReturnRequest)
        if is_return:
            state, _ = ReturnPollState.objects.get_or_create(return_request=parcel)
        else:
            state, _ = PollState.objects.get_or_create(shipment=parcel)
        api_key = _api_key(carrier, parcel.order.shop_id, default_key)
        if not api_key:
            continue
        try:
            events = carrier.fetch(client, parcel.tracking_number, base_url=base_url, api_key=api_key)
            if is_return:
                counts["events"] += len(events) if events and return_scanned(rma=parcel.rma, events=events) else 0
            elif events:
                result = tracking_events_ingest(
                    events=[dict(event, carrier=parcel.carrier.code) for event in events], source=source
                )
                counts["events"] += result.accepted
                parcel.refresh_from_db(fields=["status"])
        except Unavailable as exc:
            counts["failures"] += 1
            _failed(state, parcel, now, exc)
            log.warning("%s unavailable, stopping this run: %s", source, exc)
            break  # a struggling API gets a rest, not the rest of the list
        except (HttpError, ValueError, KeyError, TypeError) as exc:
            counts["failures"] += 1
            _failed(state, parcel, now, exc)
            continue
        counts["polled"] += 1
        state.last_polled_at = now
        state.failures = 0
        state.last_error = ""
        state.next_poll_at = next_poll(parcel, now)
        state.save()
    return counts


def _failed(state, parcel, now: datetime, exc: Exception) -> None:
    state.failures += 1
    state.last_error = str(exc)[:1000]
    state.last_polled_at = now
    state.next_poll_at = next_poll(parcel, now, failures=state.failures)
    state.save()


def poll_all() -> dict:
    return {source: poll_carrier(source) for source in CARRIERS}
