"""EasyPost webhooks: `tracker.created` and `tracker.updated` become tracking events.

Signature: `X-Hmac-Signature` is "hmac-sha256-hex=" + the hex HMAC-SHA256 of
the raw body, keyed with the webhook secret after Unicode NFKD normalisation
(as EasyPost's own client libraries do). Duplicates: the Event `id` (evt_…)
is the same on every retry.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from orders.models import TrackingStatus as S

from ..carrier_texts import refine
from ..services import tracking
from . import Ignored, MalformedBody, SignatureInvalid, header, parse_date, parse_datetime, require, same

SIGNATURE_HEADER = "X-Hmac-Signature"
KEPT_HEADERS = (SIGNATURE_HEADER,)
TOPICS = {"tracker.created", "tracker.updated"}

# EasyPost `status` → ours.
STATUS = {
    "unknown": S.UNKNOWN,
    "pre_transit": S.PRE_TRANSIT,
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "available_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "delivered": S.DELIVERED,
    "return_to_sender": S.RETURNED_TO_SENDER,
    "failure": S.DELIVERY_FAILED,
    "cancelled": S.EXCEPTION,
    "error": S.EXCEPTION,
}
# EasyPost `status_detail` values that say more than their status.
STATUS_DETAIL = {
    "lost": S.LOST,
    "arrived_at_pickup_location": S.AVAILABLE_FOR_PICKUP,
    "return": S.RETURNED_TO_SENDER,
    "refused": S.DELIVERY_FAILED,
    "delivery_exception": S.DELIVERY_FAILED,
    "damaged": S.EXCEPTION,
    "held": S.EXCEPTION,
    "missorted": S.EXCEPTION,
    "address_correction": S.EXCEPTION,
}


def status_for(status: str | None, detail: str | None) -> str:
    return STATUS_DETAIL.get(detail or "") or STATUS.get(status or "", S.UNKNOWN)


def verify(body: bytes, headers, integration) -> None:
    given = header(headers, SIGNATURE_HEADER)
    if not given or not integration.signing_secret:
        raise SignatureInvalid(f"Missing {SIGNATURE_HEADER}.")
    key = unicodedata.normalize("NFKD", integration.signing_secret).encode("utf-8")
    expected = "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    if not same(expected, given.strip()):
        raise SignatureInvalid(f"{SIGNATURE_HEADER} does not match the body.")


def identify(payload: dict, headers, body: bytes = b"") -> tuple[str, str]:
    require(payload, "id", "description")
    if payload.get("description") in TOPICS:
        if not isinstance(payload.get("result"), dict):
            raise MalformedBody("A tracker event without its Tracker in `result`.")
        try:
            # Read it now as the worker will: a Tracker of the wrong shape is the sender's
            # error (400 to EasyPost), not a crash in the worker later.
            tracker_events(payload["result"])
        except (AttributeError, TypeError, ValueError) as exc:
            raise MalformedBody(f"The Tracker cannot be read: {exc}") from exc
    return str(payload["id"]), str(payload["description"])


def process(event, payload: dict) -> str:
    if event.topic not in TOPICS:
        raise Ignored(f"Event {event.topic} is not used by Postsale.")
    tracker = payload["result"]
    events = tracker_events(tracker)
    if not events:
        raise Ignored("The tracker has no tracking details yet.")
    result = tracking.tracking_apply(integration=event.integration, events=events, source="easypost")
    return f"{result.accepted} new tracking event(s), {result.duplicates} already known"


def tracker_events(tracker: dict) -> list[dict]:
    code = str(tracker.get("tracking_code") or "")
    if not code:
        raise MalformedBody("The Tracker has no tracking_code.")
    estimated = parse_date(tracker.get("est_delivery_date"))
    events = []
    for detail in tracker.get("tracking_details") or []:
        occurred_at = parse_datetime(detail.get("datetime"))
        if occurred_at is None:
            continue
        place = detail.get("tracking_location") or {}
        status = status_for(detail.get("status"), detail.get("status_detail"))
        carrier_status = "/".join(
            part for part in (detail.get("status"), detail.get("status_detail")) if part
        )
        description = str(detail.get("message") or detail.get("description") or "")[:500]
        location = ", ".join(
            str(place[key]) for key in ("city", "state", "zip", "country") if place.get(key)
        )[:200]
        waiting = _waiting(status, description, location, occurred_at)
        events.append(
            {
                "tracking_number": code,
                # TrackingDetails have no id of their own: time and status name one.
                "event_id": f"{tracker.get('id')}:{detail.get('datetime')}:{carrier_status}"[:128],
                "occurred_at": occurred_at,
                "status": status,
                "carrier_status": carrier_status[:80],
                "description": description,
                "location": location,
                "signed_by": (tracker.get("signed_by") or "") if status == S.DELIVERED else "",
                "estimated_delivery": estimated,
                "pickup_point": waiting.pickup_point,
                "pickup_until": waiting.pickup_until,
                "raw": detail,
            }
        )
    return events


def _waiting(status: str, description: str, location: str, occurred_at):
    # The status is fine-grained already; for a parcel at a pickup point the words add where
    # and until when.
    return refine(
        status,
        [description] if status == S.AVAILABLE_FOR_PICKUP else [],
        location=location,
        on=occurred_at.date(),
    )
