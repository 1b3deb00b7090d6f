"""Carrier return labels: ordered with the approval, bought by a worker, attached when the carrier sold one.

Approving a return whose policy takes carrier labels writes an outbound call
("label.create") in the approval's transaction; a worker buys the label at the
provider (`integrations.providers.easypost_labels`) and this module's hook
attaches what came back: the carrier's PDF, its tracking number, its QR code
for label-free drop-off. The tracking number is what the tracking webhooks
follow (`integrations.services.tracking`): the first scan moves the return.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.models import OutboundCall, OutboundStatus
from cases.outbound import Answer, outbound_enqueue, register_kind
from cases.verbs import Verb
from config.errors import Conflict
from messaging.public import BuyerEvent
from orders.models import Carrier

from ..models import LabelSource, ReturnMethod, ReturnPolicy, ReturnRequest, ReturnStatus
from .machine import lock_return, move_return, notify
from .policy import label_expires_at, policy_for

LABEL_CREATE = "label.create"
# A new pickup for a label bought before: the buyer missed the carrier, or none could be booked.
PICKUP_BOOK = "pickup.book"


def order_carrier_label(request: ReturnRequest, policy: ReturnPolicy, *, actor) -> None:
    """Ask the worker to buy the label; a label bought once is sent again, never bought twice."""
    if request.label_provider == policy.label_source and request.label_pdf:
        # A second carrier label would cost the shop a second postage: the buyer gets the first again.
        case_event(
            request.case,
            Verb.RETURN_LABEL_REISSUED,
            actor=actor,
            rma=request.rma,
            provider=request.label_provider,
        )
        if needs_new_pickup(request):
            # The label mail goes out once the carrier has a new window for it (`pickup_booked`).
            _enqueue_once(request, PICKUP_BOOK, policy, payload={"shipment_id": request.label_reference})
        else:
            tell_buyer(request)
        return
    _enqueue_once(request, LABEL_CREATE, policy)


def needs_new_pickup(request: ReturnRequest) -> bool:
    """A pickup return whose booked window is over (or that never had one) asks the carrier again."""
    if request.method != ReturnMethod.PICKUP or not request.label_reference:
        return False
    return request.pickup_until is None or request.pickup_until < timezone.now()


def _enqueue_once(
    request: ReturnRequest, kind: str, policy: ReturnPolicy, payload: dict | None = None
) -> None:
    pending = OutboundCall.objects.filter(
        case=request.case, kind=kind, status__in=[OutboundStatus.QUEUED, OutboundStatus.RETRYING]
    )
    if pending.exists():
        return
    outbound_enqueue(
        shop_id=request.order.shop_id,
        case=request.case,
        kind=kind,
        provider=policy.label_source,
        # The random part keeps a restored backup from sharing a key with the live database.
        idempotency_key=f"postsale-{kind.split('.')[0]}-{request.pk}-{secrets.token_hex(8)}",
        payload={"rma": request.rma, **(payload or {})},
    )


def label_bought(call: OutboundCall, answer: Answer) -> None:
    """The provider sold a label: attach it to the return, move it on, and send it to the buyer."""
    request = lock_return(call.payload["rma"])
    data = answer.data
    if request.status not in (ReturnStatus.APPROVED, ReturnStatus.LABEL_ISSUED):
        # Received or expired while the label was on its way: the call's own timeline entry names
        # the shipment (to void at the provider); the buyer is not sent a label they no longer need.
        return
    policy = policy_for(request.order.shop)
    now = timezone.now()
    # Stored under a random name, private (orders.files), like our own labels.
    request.label_pdf.save("label.pdf", ContentFile(data["pdf"]), save=False)
    request.label_provider = call.provider
    request.label_issued_at = now
    request.expires_at = label_expires_at(request, policy, start=now)
    request.tracking_number = data.get("tracking_number", "")[:64]
    request.label_carrier = data.get("carrier", "")[:80]
    request.label_reference = data.get("shipment_id", "")[:80]
    request.label_qr_code_url = data.get("qr_code_url", "")[:500]
    request.carrier = Carrier.objects.filter(code__iexact=request.label_carrier).first()
    fields = [
        "label_pdf",
        "label_provider",
        "label_issued_at",
        "expires_at",
        "tracking_number",
        "label_carrier",
        "label_reference",
        "label_qr_code_url",
        "carrier",
    ]
    data_for_event = {
        "provider": call.provider,
        "tracking_number": request.tracking_number,
        "carrier": request.label_carrier,
    }
    pickup = data.get("pickup")
    fields += _pickup_fields(request, pickup)
    if request.status == ReturnStatus.LABEL_ISSUED:
        request.save(update_fields=[*fields, "updated_at"])
        case_event(request.case, Verb.RETURN_LABEL_REISSUED, rma=request.rma, **data_for_event)
    else:
        move_return(request, ReturnStatus.LABEL_ISSUED, fields=fields, **data_for_event)
    _pickup_event(request, pickup)
    tell_buyer(request)


def pickup_booked(call: OutboundCall, answer: Answer) -> None:
    """The carrier has a new pickup for the label bought before: keep it, and send the label mail with it."""
    request = lock_return(call.payload["rma"])
    if request.status != ReturnStatus.LABEL_ISSUED:
        return  # scanned, received or expired meanwhile: nobody needs the new window
    pickup = answer.data.get("pickup")
    fields = _pickup_fields(request, pickup)
    if fields:
        request.save(update_fields=[*fields, "updated_at"])
    _pickup_event(request, pickup)
    tell_buyer(request)


def _pickup_fields(request: ReturnRequest, pickup: dict | None) -> list[str]:
    if not pickup or pickup.get("missing"):
        return []
    request.pickup_confirmation = str(pickup.get("confirmation") or "")[:80]
    request.pickup_from = _when(pickup.get("from"))
    request.pickup_until = _when(pickup.get("until"))
    return ["pickup_confirmation", "pickup_from", "pickup_until"]


def _pickup_event(request: ReturnRequest, pickup: dict | None) -> None:
    if pickup and pickup.get("missing"):
        # The label stands: the buyer hands the parcel in (or arranges a pickup with the carrier).
        case_event(
            request.case,
            Verb.RETURN_PICKUP_NOT_BOOKED,
            rma=request.rma,
            carrier=request.label_carrier,
            reason=str(pickup["missing"])[:500],
        )
    elif pickup:
        case_event(
            request.case,
            Verb.RETURN_PICKUP_BOOKED,
            rma=request.rma,
            carrier=request.label_carrier,
            pickup=pickup.get("id", ""),
            confirmation=request.pickup_confirmation,
            window_from=pickup.get("from", ""),
            window_until=pickup.get("until", ""),
        )


def _when(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def tell_buyer(request: ReturnRequest) -> None:
    """The label e-mail for a carrier label: what to do with it depends on whether the carrier takes a QR code."""
    notify(
        request,
        BuyerEvent.RETURN_LABEL,
        attachments=[(request.label_filename, request.label_pdf.read(), "application/pdf")],
        method=request.method,
        return_deadline=timezone.localdate(request.expires_at).isoformat() if request.expires_at else "",
        carrier_name=request.label_carrier,
        label_kind=request.label_kind,
        qr_code_url=request.label_qr_code_url,
        tracking_number=request.tracking_number,
        **pickup_context(request),
    )


def pickup_context(request: ReturnRequest) -> dict:
    """The booked pickup as the buyer reads it, in the shop's time zone; empty when none was booked."""
    if not request.pickup_from:
        return {}
    zone = _zone(request.order.shop.time_zone)
    start = request.pickup_from.astimezone(zone)
    end = (request.pickup_until or request.pickup_from).astimezone(zone)
    return {
        "pickup_date": start.date().isoformat(),
        "pickup_from": start.strftime("%H:%M"),
        "pickup_until": end.strftime("%H:%M"),
        "pickup_confirmation": request.pickup_confirmation,
    }


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def before_retry(call: OutboundCall) -> None:
    request = ReturnRequest.objects.filter(case_id=call.case_id).first()
    if request is None or request.status not in (ReturnStatus.APPROVED, ReturnStatus.LABEL_ISSUED):
        raise Conflict(
            _("The return no longer waits for a label: nothing to buy."), code="invalid_transition"
        )


def register() -> None:
    register_kind(LABEL_CREATE, succeeded=label_bought, before_retry=before_retry)
    register_kind(PICKUP_BOOK, succeeded=pickup_booked, before_retry=before_retry)


__all__ = ["LabelSource", "label_bought", "order_carrier_label", "register"]
