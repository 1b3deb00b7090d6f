"""AfterShip Tracking webhooks: each checkpoint becomes a tracking event.

Signature: `aftership-hmac-sha256` is the base64 HMAC-SHA256 of the raw body,
keyed with the webhook secret (Settings → Webhooks). Duplicates: `event_id`
(UUID v4) identifies one webhook event across retries.
"""

from __future__ import annotations

from orders.models import TrackingStatus as S

from ..carrier_texts import refine
from ..services import tracking
from . import Ignored, MalformedBody, parse_date, parse_datetime, require, verify_base64_hmac

SIGNATURE_HEADER = "aftership-hmac-sha256"
KEPT_HEADERS = (SIGNATURE_HEADER,)
TOPICS = {"tracking_update", "edd_revise"}

# AfterShip delivery status (`tag`) → ours.
TAG = {
    "Pending": S.PRE_TRANSIT,
    "InfoReceived": S.PRE_TRANSIT,
    "InTransit": S.IN_TRANSIT,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "AttemptFail": S.DELIVERY_FAILED,
    "Delivered": S.DELIVERED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "Exception": S.EXCEPTION,
    "Expired": S.UNKNOWN,
}
# Sub-statuses (`subtag`) that say more than their tag.
SUBTAG = {
    "Exception_003": S.DELIVERY_FAILED,  # customer refused delivery
    "Exception_007": S.DELIVERY_FAILED,  # incorrect address
    "Exception_008": S.AVAILABLE_FOR_PICKUP,  # pick-up missed: still waiting at the pickup point
    "Exception_010": S.RETURNED_TO_SENDER,  # returning to sender
    "Exception_011": S.RETURNED_TO_SENDER,  # returned to sender
    "Exception_013": S.LOST,  # shipment lost
}


def status_for(tag: str | None, subtag: str | None) -> str:
    return SUBTAG.get(subtag or "") or TAG.get(tag or "", S.UNKNOWN)


def verify(body: bytes, headers, integration) -> None:
    verify_base64_hmac(body, headers, integration.signing_secret, SIGNATURE_HEADER)


def identify(payload: dict, headers, body: bytes = b"") -> tuple[str, str]:
    require(payload, "event_id", "event")
    if not isinstance(payload.get("msg"), dict):
        raise MalformedBody("Missing msg.")
    if payload["event"] in TOPICS:
        check_tracking(payload["msg"])
    return str(payload["event_id"]), str(payload["event"])


# What `tracking_events` reads from each checkpoint, and must be text (or absent).
CHECKPOINT_TEXT = ("checkpoint_time", "tag", "subtag")


def check_tracking(msg: dict) -> None:
    """A tracking of the wrong shape is the sender's error (400), not a worker's crash later."""
    if not isinstance(msg.get("tracking_number"), str) or not msg["tracking_number"]:
        raise MalformedBody("msg.tracking_number is not a tracking number.")
    checkpoints = msg.get("checkpoints")
    if checkpoints is None:
        return
    if not isinstance(checkpoints, list) or not all(isinstance(c, dict) for c in checkpoints):
        raise MalformedBody("msg.checkpoints is not a list of checkpoints.")
    for checkpoint in checkpoints:
        for key in CHECKPOINT_TEXT:
            if not isinstance(checkpoint.get(key), str | None):
                raise MalformedBody(f"A checkpoint's {key} is not text.")
        try:
            parse_datetime(checkpoint.get("checkpoint_time"))
        except ValueError as exc:
            raise MalformedBody(f"A checkpoint_time is not a time: {exc}") from exc


def process(event, payload: dict) -> str:
    if event.topic not in TOPICS:
        raise Ignored(f"Event {event.topic} is not used by Postsale.")
    events = tracking_events(payload["msg"], naive_zone=event.shop.time_zone)
    if not events:
        raise Ignored("The tracking has no checkpoints yet.")
    result = tracking.tracking_apply(integration=event.integration, events=events, source="aftership")
    return f"{result.accepted} new tracking event(s), {result.duplicates} already known"


def _estimated(msg: dict):
    for key in ("courier_estimated_delivery_date", "aftership_estimated_delivery_date"):
        value = msg.get(key)
        if isinstance(value, dict) and value.get("estimated_delivery_date"):
            return parse_date(value["estimated_delivery_date"])
    return parse_date(msg.get("expected_delivery"))


def tracking_events(msg: dict, *, naive_zone: str = "UTC") -> list[dict]:
    number = str(msg.get("tracking_number") or "")
    if not number:
        raise MalformedBody("msg has no tracking_number.")
    estimated = _estimated(msg)
    events = []
    for checkpoint in msg.get("checkpoints") or []:
        # checkpoint_time is the carrier's local time; some carriers give no offset.
        occurred_at = parse_datetime(checkpoint.get("checkpoint_time"), naive_zone=naive_zone)
        if occurred_at is None:
            continue
        status = status_for(checkpoint.get("tag"), checkpoint.get("subtag"))
        place = checkpoint.get("location") or ", ".join(
            str(checkpoint[key]) for key in ("city", "state", "zip", "country_iso3") if checkpoint.get(key)
        )
        description = str(checkpoint.get("message") or checkpoint.get("subtag_message") or "")[:500]
        waiting = _waiting(status, description, str(place or "")[:200], occurred_at)
        events.append(
            {
                "tracking_number": number,
                "event_id": f"{msg.get('id') or number}:{checkpoint.get('checkpoint_time')}:{checkpoint.get('subtag') or checkpoint.get('tag')}"[
                    :128
                ],
                "occurred_at": occurred_at,
                "status": status,
                "carrier_status": str(checkpoint.get("subtag") or checkpoint.get("tag") or "")[:80],
                "description": description,
                "location": str(place or "")[:200],
                "signed_by": (msg.get("signed_by") or "") if status == S.DELIVERED else "",
                "estimated_delivery": estimated,
                "pickup_point": waiting.pickup_point,
                "pickup_until": waiting.pickup_until,
                "raw": checkpoint,
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
