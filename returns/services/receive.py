"""The parcel comes back: the carrier's first scan, then the warehouse counts what arrived and restocks it."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.verbs import Verb
from messaging.public import BuyerEvent
from orders.models import Product

from ..models import AWAITING_PARCEL, ReturnLine, ReturnRequest, ReturnStatus
from .machine import lock_return, move_return, notify, refused_step

R = ReturnStatus

# Past the carrier's first scan: a repeated scan of the same parcel changes nothing.
SCANNED_ALREADY = (R.IN_TRANSIT, R.RECEIVED, R.INSPECTED, R.REFUNDED, R.PARTLY_REFUNDED, R.EXCHANGED)


@transaction.atomic
def return_mark_in_transit(
    *, rma: str, occurred_at: datetime | None = None, tracking_number: str = "", actor=None
) -> ReturnRequest:
    """The carrier scanned the parcel. Carriers repeat scans: the second one changes nothing."""
    request = lock_return(rma)
    if request.status in SCANNED_ALREADY:
        return request
    if request.status not in (*AWAITING_PARCEL, R.EXPIRED):
        raise refused_step(request, _("Return %(rma)s is %(status)s and cannot be on its way."))
    request.first_scan_at = occurred_at or timezone.now()
    fields = ["first_scan_at"]
    if tracking_number:
        request.tracking_number = tracking_number
        fields.append("tracking_number")
    move_return(request, R.IN_TRANSIT, actor=actor, fields=fields, tracking_number=request.tracking_number)
    return request


class AmbiguousLine(ValidationError):
    """A SKU that stands on several lines of the return: only the line's id says which."""

    def __init__(self):
        super().__init__(_("This SKU is on several lines; give the line id."), code="ambiguous_sku")


def line_for(lines: list[ReturnLine], key: str | int) -> ReturnLine | None:
    """The return line a caller means: by its id, or by SKU when only one line has it."""
    if isinstance(key, int):
        return next((line for line in lines if line.pk == key), None)
    matches = [line for line in lines if line.order_line.sku == key]
    if len(matches) > 1:
        raise AmbiguousLine()
    return matches[0] if matches else None


def not_on_the_return() -> ValidationError:
    return ValidationError(_("This item is not on the return."), code="not_on_return")


def restock(product_id: int | None, delta: int) -> None:
    if product_id and delta:
        # F(): other returns and the shop's own stock updates change the same row at the same time.
        Product.objects.filter(pk=product_id).update(stock_on_hand=F("stock_on_hand") + delta)


@transaction.atomic
def return_receive(*, rma: str, lines: dict, actor=None) -> ReturnRequest:
    """The parcel arrived: set what came back per line, and put it back in stock.

    Quantities are set, not added, so scanning the same parcel twice (or two
    people receiving it at once, one after the other under the row lock)
    restocks once; a correction restocks the difference. Received goods count
    as stock at once, since they are on the shelf; inspection takes out what
    cannot be sold.
    """
    request = lock_return(rma)
    first = request.status != R.RECEIVED
    if first and not request.can_move_to(R.RECEIVED):
        raise refused_step(request, _("Return %(rma)s is %(status)s and cannot be received."))
    return_lines = list(request.lines.select_related("order_line").select_for_update(of=("self",)))
    changes = _received_quantities(return_lines, lines)
    received = {}
    for line, quantity in changes:
        delta = quantity - line.received_quantity
        if delta:
            line.received_quantity = quantity
            line.save(update_fields=["received_quantity"])
            restock(line.order_line.product_id, delta)
        received[line.order_line.sku] = {"quantity": quantity, "restocked": delta}
    if sum(line.received_quantity for line in return_lines) == 0:
        raise ValidationError(
            {
                "lines": ValidationError(
                    _("Nothing was received; receive at least one item."), code="nothing_received"
                )
            }
        )
    if first:
        request.received_at = timezone.now()
        move_return(request, R.RECEIVED, actor=actor, fields=["received_at"], lines=received)
        notify(
            request,
            BuyerEvent.RETURN_RECEIVED,
            units=sum(line.received_quantity for line in return_lines),
            resolution=request.resolution,
        )
    elif any(item["restocked"] for item in received.values()):
        case_event(request.case, Verb.RETURN_RECEIPT_CORRECTED, actor=actor, rma=rma, lines=received)
    return request


def _received_quantities(return_lines: list[ReturnLine], lines: dict) -> list[tuple[ReturnLine, int]]:
    """Each counted line with the quantity that arrived, or every line that is wrong at once."""
    errors: dict[str, list[ValidationError]] = {}
    changes = []
    for key, quantity in lines.items():
        try:
            line = line_for(return_lines, key)
        except AmbiguousLine as exc:
            raise ValidationError({f"lines.{key}": exc}) from exc
        if line is None:
            errors[f"lines.{key}"] = [not_on_the_return()]
        elif not isinstance(quantity, int) or not 0 <= quantity <= line.quantity:
            errors[f"lines.{key}"] = [
                ValidationError(
                    _("Between 0 and %(max)s, the quantity announced."),
                    code="quantity_out_of_range",
                    params={"max": line.quantity},
                )
            ]
        else:
            changes.append((line, quantity))
    if not lines:
        errors["lines"] = [ValidationError(_("Say what arrived."), code="required")]
    if errors:
        raise ValidationError(errors)
    return changes
