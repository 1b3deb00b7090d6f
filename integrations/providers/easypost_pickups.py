"""Home pickup of a return through EasyPost: booked after the label, with the label's carrier, once.

`POST /v2/pickups` with the buyer's address, the bought shipment, a window on
the next working day (09:00-17:00 in the shop's time zone) and the RMA as
instructions; then `POST /v2/pickups/{id}/buy` with the cheapest pickup rate of
the label's carrier. Like the label, the pickup's id is written on the outbound
call as soon as EasyPost answers, and a retry fetches that pickup instead of
making another; a pickup that is already scheduled is not bought again.

A carrier that offers no pickup rate (or EasyPost refusing the pickup) is no
reason to lose the label: the answer says why no pickup was booked and the
buyer is told to hand the parcel in.

A label sent again for a pickup whose window is over ("pickup.book") books a new
pickup for the shipment bought before (`easypost_labels.send_pickup`), in the same way.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from cases.models import OutboundCall
from cases.outbound import Refused, Transient
from returns.models import ReturnRequest

PICKUP_FROM = time(9, 0)
PICKUP_UNTIL = time(17, 0)


def next_working_day(today: date) -> date:
    day = today + timedelta(days=1)
    while day.weekday() >= 5:  # carriers do not collect on Saturdays and Sundays
        day += timedelta(days=1)
    return day


def pickup_window(time_zone: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """09:00 to 17:00 of the next working day where the shop is (the buyer is usually in the same country)."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    day = next_working_day((now or timezone.now()).astimezone(zone).date())
    return datetime.combine(day, PICKUP_FROM, zone), datetime.combine(day, PICKUP_UNTIL, zone)


def pickup_request(request: ReturnRequest, shipment: dict, key: str, window) -> dict:
    start, end = window
    return {
        "pickup": {
            "address": shipment.get("from_address") or {},
            "shipment": {"id": shipment["id"]},
            "min_datetime": start.isoformat(),
            "max_datetime": end.isoformat(),
            "is_account_address": False,
            "instructions": f"Return {request.rma}",
            "reference": key,
        }
    }


def book_pickup(call: OutboundCall, request: ReturnRequest, shipment: dict, *, base: str, api_key: str, http):
    """The booked pickup {id, confirmation, from, until}, or {"missing": why} when none could be booked."""
    payload = OutboundCall.objects.values_list("payload", flat=True).get(pk=call.pk)
    pickup_id = payload.get("pickup_id")
    carrier = str((shipment.get("selected_rate") or {}).get("carrier") or "")
    try:
        if pickup_id:
            pickup = http("GET", f"{base}/v2/pickups/{pickup_id}", api_key=api_key)
        else:
            window = pickup_window(request.order.shop.time_zone)
            body = pickup_request(request, shipment, call.idempotency_key, window)
            pickup = http("POST", f"{base}/v2/pickups", api_key=api_key, body=body)
            pickup_id = str(pickup.get("id") or "")
            if not pickup_id:
                raise Transient("EasyPost made a pickup without an id.")
            # Written at once, outside the attempt's outcome: a retry must find this pickup, not make one.
            OutboundCall.objects.filter(pk=call.pk).update(payload={**payload, "pickup_id": pickup_id})
        if pickup.get("status") != "scheduled":
            rates = [
                rate
                for rate in pickup.get("pickup_rates") or []
                if str(rate.get("carrier", "")).lower() == carrier.lower()
            ]
            if not rates:
                return {
                    "id": pickup_id,
                    "missing": f"{carrier or 'The carrier'} offers no pickup through EasyPost.",
                }
            rate = min(rates, key=_price)
            pickup = http(
                "POST",
                f"{base}/v2/pickups/{pickup_id}/buy",
                api_key=api_key,
                body={"carrier": rate["carrier"], "service": rate["service"]},
            )
    except Refused as exc:
        return {"id": pickup_id or "", "missing": str(exc)}
    return {
        "id": pickup_id,
        "confirmation": str(pickup.get("confirmation") or ""),
        "from": str(pickup.get("min_datetime") or ""),
        "until": str(pickup.get("max_datetime") or ""),
    }


def _price(rate: dict) -> float:
    try:
        return float(rate.get("rate"))
    except (TypeError, ValueError):
        return float("inf")

