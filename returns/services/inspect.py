"""Inspection: what came back is checked line by line, and the return ends in a rejection, an exchange or a refund.

`return_inspect` is the whole step, in this order: check what may be inspected,
record each line, decide the outcome, then reject, exchange or refund. It runs
in one transaction and leaves "received" at once, so a second inspection finds
the return decided (409) and nothing is refunded twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import RETURN_EXCHANGE
from cases.models import Refund
from cases.uploads import validate_photos
from cases.verbs import Reason, because
from messaging.public import BuyerEvent
from orders.models import Order

from ..models import (
    NOTHING_ACCEPTED,
    Condition,
    InspectionPhoto,
    Resolution,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)
from .exchange import exchange_order_create, exchange_plan
from .machine import lock_return, move_return, notify, refused_step
from .receive import AmbiguousLine, line_for, not_on_the_return, restock
from .refund import (
    RefundLine,
    held_for_owner,
    invoice_reduction_of,
    pay_out,
    refund_compute,
    refundable_part,
)

R = ReturnStatus

PHOTO_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}


@dataclass(frozen=True)
class InspectLine:
    key: str | int  # the SKU, or the return line's id
    accepted_quantity: int
    condition: str
    notes: str = ""
    photos: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class InspectionResult:
    request: ReturnRequest
    refund: Refund | None
    exchange_order: Order | None


class Outcome(StrEnum):
    """Where an inspection leads; the inspection e-mail says it in these words (`outcome`)."""

    REJECTED = "rejected"
    EXCHANGE = "exchange"
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"


@transaction.atomic
def return_inspect(
    *,
    rma: str,
    lines: list[InspectLine],
    actor=None,
    exchange_skus: dict[str, str] | None = None,
) -> InspectionResult:
    """Record condition and acceptance per line, then refund or exchange what was accepted.

    The refund goes through `cases.refunds.refund_issue` with a key made from the return.
    """
    request = lock_return(rma)
    if request.status != R.RECEIVED:
        raise refused_step(
            request, _("Return %(rma)s is %(status)s; only received returns can be inspected.")
        )
    return_lines = list(request.lines.select_related("order_line").select_for_update(of=("self",)))
    checked = _check(return_lines, lines)
    for line in return_lines:
        if line.pk in checked:
            _record(line, *checked[line.pk])
    _mark_inspected(request, return_lines, actor=actor)

    outcome = inspection_outcome(resolution=request.resolution, lines=return_lines)
    if outcome == Outcome.REJECTED:
        _reject(request, return_lines, actor=actor)
        return InspectionResult(request=request, refund=None, exchange_order=None)
    if outcome == Outcome.EXCHANGE:
        exchange_order = _exchange(request, return_lines, exchange_skus or {}, actor=actor)
        # "Exchange shipped" waits for the shop to ship it: return_exchanges_announce_shipped.
        _tell_buyer(request, outcome, return_lines)
        return InspectionResult(request=request, refund=None, exchange_order=exchange_order)
    refund = _refund(request, return_lines, outcome, actor=actor)
    return InspectionResult(request=request, refund=refund, exchange_order=None)


# --- check what may be inspected ---------------------------------------------------


def _check(return_lines: list[ReturnLine], lines: list[InspectLine]) -> dict[int, tuple[InspectLine, list]]:
    """Each inspected line by the return line's id, with its checked photos; every mistake at once.

    Every item that arrived must be inspected, each once, accepting at most what arrived.
    """
    errors: dict[str, list] = {}
    checked: dict[int, tuple[InspectLine, list]] = {}
    for index, item in enumerate(lines):
        path = f"lines[{index}]"
        try:
            line = line_for(return_lines, item.key)
        except AmbiguousLine as exc:
            errors[path] = [exc]
            continue
        if line is None:
            errors[path] = [not_on_the_return()]
            continue
        if line.pk in checked:
            errors[path] = [ValidationError(_("This item is listed twice."), code="duplicate_line")]
            continue
        errors.update(_line_errors(path, item, line))
        photos = []
        if item.photos:
            try:
                photos = validate_photos(item.photos)
            except ValidationError as exc:
                errors[f"{path}.photos"] = exc.message_dict.get("photos", exc.messages)
        checked[line.pk] = (item, photos)
    missing = [
        line.order_line.sku for line in return_lines if line.received_quantity and line.pk not in checked
    ]
    if missing:
        errors["lines"] = [
            ValidationError(
                _("Inspect every item that arrived: %(skus)s."),
                code="not_inspected",
                params={"skus": ", ".join(missing)},
            )
        ]
    if errors:
        raise ValidationError(errors)
    return checked


def _line_errors(path: str, item: InspectLine, line: ReturnLine) -> dict[str, list[ValidationError]]:
    errors = {}
    if item.condition not in Condition.values:
        errors[f"{path}.condition"] = [
            ValidationError(
                _("One of %(conditions)s."),
                code="invalid_choice",
                params={"conditions": ", ".join(Condition.values)},
            )
        ]
    if not 0 <= item.accepted_quantity <= line.received_quantity:
        errors[f"{path}.accepted_quantity"] = [
            ValidationError(
                _("Between 0 and %(max)s, the quantity received."),
                code="quantity_out_of_range",
                params={"max": line.received_quantity},
            )
        ]
    return errors


# --- record each line -------------------------------------------------------------


def _record(line: ReturnLine, item: InspectLine, photos: list) -> None:
    """The line's condition and what was accepted, its photos, and the stock it no longer is."""
    line.condition = item.condition
    line.accepted_quantity = item.accepted_quantity
    line.rejected_quantity = line.received_quantity - item.accepted_quantity
    line.notes = item.notes.strip()
    line.save(update_fields=["condition", "accepted_quantity", "rejected_quantity", "notes"])
    # Received goods went back to stock; what cannot be sold again comes out.
    unsellable = line.rejected_quantity + (
        line.accepted_quantity if line.condition == Condition.DAMAGED else 0
    )
    restock(line.order_line.product_id, -unsellable)
    for upload, content_type in photos:
        photo = InspectionPhoto(line=line, content_type=content_type, size=upload.size)
        photo.file.save(f"{uuid.uuid4().hex}{PHOTO_EXTENSIONS[content_type]}", upload, save=False)
        photo.save()


def _mark_inspected(request: ReturnRequest, return_lines: list[ReturnLine], *, actor) -> None:
    request.inspected_at = timezone.now()
    summary = [
        {
            "sku": line.order_line.sku,
            "received": line.received_quantity,
            "accepted": line.accepted_quantity,
            "rejected": line.rejected_quantity,
            "condition": line.condition,
        }
        for line in return_lines
    ]
    move_return(request, R.INSPECTED, actor=actor, fields=["inspected_at"], lines=summary)


# --- decide the outcome, and tell the buyer -------------------------------------------


def everything_accepted(lines: Sequence[ReturnLine]) -> bool:
    """Every item that arrived was accepted."""
    return all(line.accepted_quantity == line.received_quantity for line in lines if line.received_quantity)


def inspection_outcome(*, resolution: str, lines: Sequence[ReturnLine]) -> Outcome:
    """Nothing accepted rejects the return; else the buyer gets the exchange they asked for,
    or a refund of what was accepted (partial when some of what arrived was not)."""
    if not any(line.accepted_quantity for line in lines):
        return Outcome.REJECTED
    if resolution == Resolution.EXCHANGE:
        return Outcome.EXCHANGE
    return Outcome.REFUND if everything_accepted(lines) else Outcome.PARTIAL_REFUND


def _tell_buyer(request: ReturnRequest, outcome: Outcome, return_lines: list[ReturnLine], **money) -> None:
    """The inspection e-mail: each item, how many of those that arrived were accepted, and the
    inspector's note where something was not."""
    items = [
        {
            "title": line.order_line.title,
            "received": line.received_quantity,
            "accepted": line.accepted_quantity,
            "note": line.notes if line.accepted_quantity < line.received_quantity else "",
        }
        for line in return_lines
        if line.received_quantity
    ]
    notify(
        request,
        BuyerEvent.INSPECTION_RESULT,
        outcome=outcome.value,
        items=items,
        all_accepted=outcome != Outcome.REJECTED and everything_accepted(return_lines),
        **money,
    )


# --- reject, exchange or refund ------------------------------------------------------


def _reject(request: ReturnRequest, return_lines: list[ReturnLine], *, actor) -> None:
    request.reject_reason = NOTHING_ACCEPTED
    move_return(
        request, R.REJECTED, actor=actor, reason=because(Reason.NOTHING_ACCEPTED), fields=["reject_reason"]
    )
    _tell_buyer(request, Outcome.REJECTED, return_lines)


def _exchange(
    request: ReturnRequest, return_lines: list[ReturnLine], swaps: dict[str, str], *, actor
) -> Order | None:
    """Send the accepted goods again (or the variants asked for), or leave it for an owner when
    what they are worth at list price is above the agent's limit."""
    plan = exchange_plan(request, return_lines, swaps, actor=actor)
    if not held_for_owner(request, plan.value, actor=actor, action=RETURN_EXCHANGE):
        return exchange_order_create(request, return_lines, plan, actor=actor)
    # Kept for the owner who makes the exchange: what was asked, and what it is worth.
    request.exchange_skus = {old: new for old, new in plan.wanted.items() if old != new}
    request.exchange_value = plan.value
    request.save(update_fields=["exchange_skus", "exchange_value", "updated_at"])
    return None


def _refund(
    request: ReturnRequest, return_lines: list[ReturnLine], outcome: Outcome, *, actor
) -> Refund | None:
    """Refund the accepted goods less the fees, or leave it for an owner when above the agent's limit."""
    breakdown = refund_compute(
        lines=[
            RefundLine(
                unit_price=line.order_line.unit_price,
                accepted_quantity=line.accepted_quantity,
                condition=line.condition or Condition.AS_NEW,
            )
            for line in return_lines
        ],
        terms=request.terms,
    )
    request.goods_value = breakdown.goods
    request.restocking_fee = breakdown.restocking_fee
    request.return_fee = breakdown.return_fee
    request.save(update_fields=["goods_value", "restocking_fee", "return_fee", "updated_at"])
    amount = refundable_part(request, breakdown.amount, actor=actor)
    reduction = invoice_reduction_of(request)
    # The buyer hears what inspection found now, whoever makes the refund: money back only when
    # money goes back, else that their unpaid invoice is reduced or cancelled.
    _tell_buyer(
        request,
        outcome,
        return_lines,
        goods=str(breakdown.goods),
        restocking_fee=str(breakdown.restocking_fee),
        return_fee=str(breakdown.return_fee),
        amount=str(amount) if amount > 0 else "",
        currency=request.order.currency,
        **(
            {
                "invoice_reduced": str(reduction.amount),
                "invoice_left": str(reduction.left_to_pay),
                "invoice_cancelled": reduction.cancels_invoice,
            }
            if reduction is not None
            else {}
        ),
    )
    if held_for_owner(request, amount, actor=actor):
        return None
    return pay_out(request, return_lines, amount, actor=actor)
