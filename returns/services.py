"""Returns: request, approve, label, receive, inspect, refund or exchange, close, expire.

Every function here runs in one transaction, locks the return row before it
looks at the status (two agents clicking at once queue up, and the second one
finds the move already made), writes its audit event on the case, and queues
the buyer's e-mail in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases import approvals
from cases.events import case_event
from cases.models import OPEN_STATUSES, CaseKind, CaseStatus
from cases.refunds import add_business_days, order_refundable_amount, refund_issue
from cases.services import case_add_cost, case_add_search_terms, case_lock, case_open, move_locked
from cases.uploads import validate_photos
from cases.verbs import Reason, Verb, because
from config.errors import Conflict
from messaging.public import notify_buyer
from orders.models import Order, Product
from orders.services import orders_upsert

from . import eligibility
from .eligibility import LineIn
from .labels import label_provider
from .models import (
    AWAITING_PARCEL,
    Condition,
    InspectionPhoto,
    Resolution,
    ReturnLine,
    ReturnMethod,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from .selectors import EXCHANGE_CHANNEL

CENT = Decimal("0.01")
R = ReturnStatus

# Where the case stands while the return is in each status.
CASE_STATUS = {
    R.REQUESTED: CaseStatus.NEW,
    R.APPROVED: CaseStatus.WAITING_ON_BUYER,
    R.LABEL_ISSUED: CaseStatus.WAITING_ON_BUYER,
    R.IN_TRANSIT: CaseStatus.WAITING_ON_CARRIER,
    R.RECEIVED: CaseStatus.IN_PROGRESS,
    R.INSPECTED: CaseStatus.IN_PROGRESS,
    R.REFUNDED: CaseStatus.RESOLVED,
    R.PARTLY_REFUNDED: CaseStatus.RESOLVED,
    R.EXCHANGED: CaseStatus.RESOLVED,
    R.REJECTED: CaseStatus.RESOLVED,
    R.EXPIRED: CaseStatus.RESOLVED,
    R.CLOSED: CaseStatus.CLOSED,
}


def policy_for(shop) -> ReturnPolicy:
    """The shop's policy, created with the defaults (14 days, free returns) the first time it is needed."""
    policy, _created = ReturnPolicy.objects.get_or_create(shop=shop)
    return policy


# --- money ---------------------------------------------------------------------


@dataclass(frozen=True)
class RefundLine:
    unit_price: Decimal
    accepted_quantity: int
    condition: str = Condition.AS_NEW


@dataclass(frozen=True)
class RefundBreakdown:
    goods: Decimal
    restocking_fee: Decimal
    return_fee: Decimal
    amount: Decimal


def refund_compute(*, lines: list[RefundLine], terms: dict) -> RefundBreakdown:
    """accepted quantities × unit price − restocking fees by condition − the return fee.

    The fees never take the refund below zero; the return fee is only charged
    when something is refunded at all, and never with free returns.
    """
    goods = Decimal("0")
    restocking = Decimal("0")
    percents = terms.get("restocking_percent", {})
    for line in lines:
        value = Decimal(line.unit_price) * line.accepted_quantity
        goods += value
        percent = Decimal(percents.get(line.condition, 0))
        restocking += (value * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    restocking = min(restocking, goods)
    fee = Decimal("0")
    if goods > 0 and not terms.get("free_returns", True):
        fee = min(Decimal(terms.get("return_fee", "0")), goods - restocking)
    goods = goods.quantize(CENT)
    return RefundBreakdown(
        goods=goods,
        restocking_fee=restocking.quantize(CENT),
        return_fee=fee.quantize(CENT),
        amount=(goods - restocking - fee).quantize(CENT),
    )


# --- status machine -------------------------------------------------------------


def _lock(rma: str) -> ReturnRequest:
    try:
        return (
            ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("case", "order__shop")
            .get(rma=rma)
        )
    except ReturnRequest.DoesNotExist as exc:
        raise ValidationError({"rma": [f"No return {rma}."]}) from exc


def _move(request: ReturnRequest, to: str, *, actor=None, reason: str = "", fields=(), **data) -> None:
    if not request.can_move_to(to):
        raise Conflict(
            f"Return {request.rma} is {request.get_status_display().lower()} and cannot move to "
            f"{ReturnStatus(to).label.lower()}.",
            code="invalid_transition",
        )
    old = request.status
    request.status = to
    fields = ["status", "updated_at", *fields]
    if old == R.EXPIRED and to != R.CLOSED:
        # Revived by a late parcel: it counts as returned again (see eligibility.VOID).
        request.expired_at = None
        fields.append("expired_at")
    request.save(update_fields=fields)
    case_event(
        request.case,
        Verb.RETURN_STATUS_CHANGED,
        actor=actor,
        old=old,
        new=to,
        rma=request.rma,
        reason=reason,
        **data,
    )
    _sync_case(request, actor=actor)


def _sync_case(request: ReturnRequest, *, actor=None) -> None:
    """Keep the desk case in step, without fighting an agent who moved the case on their own."""
    case = case_lock(request.case)
    request.case = case
    target = CASE_STATUS[request.status]
    if case.status == target:
        return
    if not case.can_move_to(target) and case.status == CaseStatus.RESOLVED and target in OPEN_STATUSES:
        # A late parcel after expiry: the resolved case opens again.
        move_locked(case, CaseStatus.IN_PROGRESS, actor=actor, reason=because(Reason.RETURN_MOVED, status=request.status))
    if case.can_move_to(target):
        move_locked(case, target, actor=actor, reason=because(Reason.RETURN_MOVED, status=request.status))


def _notify(request: ReturnRequest, event: str, *, attachments=None, **context) -> None:
    notify_buyer(
        case=request.case,
        event=event,
        context={"rma": request.rma, "status": request.status, **context},
        attachments=attachments,
    )


def _now() -> datetime:
    return timezone.now()


# --- request and approval -------------------------------------------------------


@transaction.atomic
def return_request(
    *,
    order: Order,
    lines: list[LineIn],
    method: str,
    resolution: str,
    opened_via: str,
    actor=None,
    outside_policy: bool = False,
    issue_label: bool = True,
) -> ReturnRequest:
    """Open a return on an order: the case, the request and its lines.

    Within the shop's policy it is approved at once and the label is issued;
    outside it (window passed, personalised goods...) it is refused, unless
    `outside_policy` is set by an agent, and then waits for an agent's approval.
    """
    # The order row is the lock for "how much of this line is left to return":
    # two requests for the same socks one after the other, never both at once.
    order = Order.objects.select_for_update().select_related("shop", "buyer").get(pk=order.pk)
    policy = policy_for(order.shop)
    errors: dict[str, list[str]] = {}
    if method not in ReturnMethod.values:
        errors["method"] = [f"Unknown method {method!r}."]
    if resolution not in Resolution.values:
        errors["resolution"] = [f"Unknown resolution {resolution!r}."]
    for index, line in enumerate(lines):
        if line.reason not in ReturnReason.values:
            errors[f"lines[{index}].reason"] = [f"Unknown reason {line.reason!r}."]
    if errors:
        raise ValidationError(errors)
    result = eligibility.check(order=order, lines=lines, policy=policy, method=method, resolution=resolution)
    if result.errors:
        raise ValidationError(result.errors)
    if result.exceptions and not outside_policy:
        refused: dict[str, list[str]] = {}
        for exception in result.exceptions:
            refused.setdefault(exception["field"], []).append(exception["message"])
        raise ValidationError(refused)

    value = sum((line.order_line.unit_price * line.quantity for line in lines), start=Decimal("0"))
    keep_item = (
        resolution == Resolution.REFUND and policy.keep_item_below > 0 and value < policy.keep_item_below
    )
    units = sum(line.quantity for line in lines)
    case = case_open(
        kind=CaseKind.RETURN,
        shop=order.shop,
        order=order,
        opened_via=opened_via,
        subject=f"Return of {units} item{'s' if units != 1 else ''}",
        actor=actor,
    )
    request = ReturnRequest.objects.create(
        case=case,
        # A placeholder until the id is known, like the case reference.
        rma=f"tmp-{uuid.uuid4().hex[:16]}",
        order=order,
        method=method,
        resolution=resolution,
        terms=policy.terms(),
        policy_exceptions=result.exceptions,
        keep_item=keep_item,
    )
    request.rma = f"R-{request.created_at:%Y}-{request.pk:06d}"
    ReturnRequest.objects.filter(pk=request.pk).update(rma=request.rma)
    # Agents search the queue by RMA, as buyers quote it.
    case_add_search_terms(case, request.rma)
    ReturnLine.objects.bulk_create(
        [
            ReturnLine(
                request=request, order_line=line.order_line, quantity=line.quantity, reason=line.reason
            )
            for line in lines
        ]
    )
    case_event(
        case,
        Verb.RETURN_REQUESTED,
        actor=actor,
        new=R.REQUESTED,
        rma=request.rma,
        method=method,
        resolution=resolution,
        units=units,
        outside_policy=[e["code"] for e in result.exceptions],
        keep_item=keep_item,
    )
    _notify(
        request, "return_requested", method=method, resolution=resolution, units=units, keep_item=keep_item
    )
    if not result.exceptions:
        _approve(request, policy, actor=None, reason=because(Reason.WITHIN_POLICY), issue_label=issue_label)
    return request


@transaction.atomic
def return_approve(*, rma: str, actor, reason: str = "", issue_label: bool = True) -> ReturnRequest:
    """An agent approves a request outside the policy (goodwill)."""
    request = _lock(rma)
    if request.status != R.REQUESTED:
        raise Conflict(
            f"Return {rma} is {request.get_status_display().lower()}; only requests can be approved."
        )
    _approve(request, policy_for(request.order.shop), actor=actor, reason=reason, issue_label=issue_label)
    return request


def _approve(request: ReturnRequest, policy: ReturnPolicy, *, actor, reason: str, issue_label: bool) -> None:
    now = _now()
    request.approved_at = now
    request.expires_at = now + timedelta(
        days=request.terms.get("label_expiry_days", policy.label_expiry_days)
    )
    _move(request, R.APPROVED, actor=actor, reason=reason, fields=["approved_at", "expires_at"])
    if request.keep_item:
        _refund_keep_item(request, actor=actor)
    elif issue_label:
        _issue_label(request, policy, actor=actor)


def _refund_keep_item(request: ReturnRequest, *, actor) -> None:
    """Below the keep-the-item value the parcel costs more than the goods: refund, nothing comes back."""
    lines = list(request.lines.select_related("order_line"))
    goods = sum((line.order_line.unit_price * line.quantity for line in lines), start=Decimal("0")).quantize(
        CENT
    )
    request.goods_value, request.restocking_fee, request.return_fee = goods, Decimal("0"), Decimal("0")
    refund = _issue_refund(request, goods, actor=actor)
    request.refund = refund
    # The goods do not come back: what was refunded is lost.
    case_add_cost(request.case, cost=goods)
    _move(
        request,
        R.REFUNDED,
        actor=actor,
        reason=because(Reason.BUYER_KEEPS_GOODS),
        fields=["goods_value", "restocking_fee", "return_fee", "refund"],
        amount=str(goods),
    )
    _notify_refund(request, refund)


@transaction.atomic
def return_reject(*, rma: str, actor, reason: str) -> ReturnRequest:
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the return is rejected."]})
    request = _lock(rma)
    if request.status != R.REQUESTED:
        raise Conflict(
            f"Return {rma} is {request.get_status_display().lower()}; only requests can be rejected before inspection."
        )
    request.reject_reason = reason.strip()[:300]
    _move(request, R.REJECTED, actor=actor, reason=request.reject_reason, fields=["reject_reason"])
    _notify(request, "return_declined", reason=request.reject_reason)
    return request


# --- label and transit ----------------------------------------------------------


@transaction.atomic
def return_label_issue(*, rma: str, actor=None) -> ReturnRequest:
    """Issue the label, or issue it again (lost, unreadable): a new label starts a new expiry period."""
    request = _lock(rma)
    if request.status not in (R.APPROVED, R.LABEL_ISSUED):
        raise Conflict(
            f"Return {rma} is {request.get_status_display().lower()}; a label is issued for approved returns only."
        )
    _issue_label(request, policy_for(request.order.shop), actor=actor)
    return request


def _issue_label(request: ReturnRequest, policy: ReturnPolicy, *, actor) -> None:
    provider = label_provider()
    label = provider.create_label(request, policy)
    now = _now()
    # The file is written outside the transaction; a rollback leaves an unused PDF behind, never a missing one.
    request.label_pdf.save(f"{request.rma}.pdf", ContentFile(label.pdf), save=False)
    request.label_provider = label.provider
    request.label_issued_at = now
    request.expires_at = now + timedelta(
        days=request.terms.get("label_expiry_days", policy.label_expiry_days)
    )
    fields = ["label_pdf", "label_provider", "label_issued_at", "expires_at"]
    if label.tracking_number:
        request.tracking_number = label.tracking_number
        fields.append("tracking_number")
    if request.status == R.LABEL_ISSUED:
        request.save(update_fields=[*fields, "updated_at"])
        case_event(
            request.case, Verb.RETURN_LABEL_REISSUED, actor=actor, rma=request.rma, provider=label.provider
        )
    else:
        _move(request, R.LABEL_ISSUED, actor=actor, fields=fields, provider=label.provider)
    _notify(
        request,
        "return_label",
        attachments=[(f"{request.rma}.pdf", label.pdf, "application/pdf")],
        method=request.method,
        return_deadline=timezone.localdate(request.expires_at).isoformat(),
        # The carrier that takes the return: a carrier provider's booking names one; our own
        # label does not, and the parcel that went out (in the case's context) may not be it.
        carrier_name=label.carrier_code.upper() if label.carrier_code else "",
    )


@transaction.atomic
def return_mark_in_transit(
    *, rma: str, occurred_at: datetime | None = None, tracking_number: str = "", actor=None
) -> ReturnRequest:
    """The carrier scanned the parcel. Carriers repeat scans: the second one changes nothing."""
    request = _lock(rma)
    if request.status not in (*AWAITING_PARCEL, R.EXPIRED):
        if request.status in (
            R.IN_TRANSIT,
            R.RECEIVED,
            R.INSPECTED,
            R.REFUNDED,
            R.PARTLY_REFUNDED,
            R.EXCHANGED,
        ):
            return request
        raise Conflict(f"Return {rma} is {request.get_status_display().lower()} and cannot be on its way.")
    request.first_scan_at = occurred_at or _now()
    fields = ["first_scan_at"]
    if tracking_number:
        request.tracking_number = tracking_number
        fields.append("tracking_number")
    _move(request, R.IN_TRANSIT, actor=actor, fields=fields, tracking_number=request.tracking_number)
    return request


# --- receiving ------------------------------------------------------------------


def _line_for(request: ReturnRequest, lines: list[ReturnLine], key) -> ReturnLine | None:
    if isinstance(key, int):
        return next((line for line in lines if line.pk == key), None)
    matches = [line for line in lines if line.order_line.sku == key]
    if len(matches) > 1:
        raise ValidationError({f"lines.{key}": ["This SKU is on several lines; give the line id."]})
    return matches[0] if matches else None


def _restock(product_id: int | None, delta: int) -> None:
    if product_id and delta:
        # F(): other returns and the shop's own stock updates change the same row at the same time.
        Product.objects.filter(pk=product_id).update(stock_on_hand=F("stock_on_hand") + delta)


@transaction.atomic
def return_receive(*, rma: str, lines: dict, actor=None) -> ReturnRequest:
    """The parcel arrived: set what came back per line, and put it back in stock.

    Quantities are set, not added, so scanning the same parcel twice (or two
    people receiving it at once, one after the other under the row lock)
    restocks once; a correction restocks the difference. Received goods go back
    on the shelf now (seed 004); inspection takes out what cannot be sold.
    """
    request = _lock(rma)
    first = request.status != R.RECEIVED
    if first and not request.can_move_to(R.RECEIVED):
        raise Conflict(
            f"Return {rma} is {request.get_status_display().lower()} and cannot be received.",
            code="invalid_transition",
        )
    return_lines = list(request.lines.select_related("order_line").select_for_update(of=("self",)))
    errors: dict[str, list[str]] = {}
    changes = []
    for key, quantity in lines.items():
        line = _line_for(request, return_lines, key)
        if line is None:
            errors[f"lines.{key}"] = ["This item is not on the return."]
        elif not isinstance(quantity, int) or not 0 <= quantity <= line.quantity:
            errors[f"lines.{key}"] = [f"Between 0 and {line.quantity}, the quantity announced."]
        else:
            changes.append((line, quantity))
    if not lines:
        errors["lines"] = ["Say what arrived."]
    if errors:
        raise ValidationError(errors)
    received = {}
    for line, quantity in changes:
        delta = quantity - line.received_quantity
        if delta:
            line.received_quantity = quantity
            line.save(update_fields=["received_quantity"])
            _restock(line.order_line.product_id, delta)
        received[line.order_line.sku] = {"quantity": quantity, "restocked": delta}
    if sum(line.received_quantity for line in return_lines) == 0:
        raise ValidationError({"lines": ["Nothing was received; receive at least one item."]})
    if first:
        request.received_at = _now()
        _move(request, R.RECEIVED, actor=actor, fields=["received_at"], lines=received)
        _notify(
            request,
            "return_received",
            units=sum(line.received_quantity for line in return_lines),
            resolution=request.resolution,
        )
    elif any(item["restocked"] for item in received.values()):
        case_event(request.case, Verb.RETURN_RECEIPT_CORRECTED, actor=actor, rma=rma, lines=received)
    return request


# --- inspection, refund, exchange -------------------------------------------------


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
    refund: object | None
    exchange_order: Order | None


@transaction.atomic
def return_inspect(
    *,
    rma: str,
    lines: list[InspectLine],
    actor=None,
    exchange_skus: dict[str, str] | None = None,
) -> InspectionResult:
    """Record condition and acceptance per line, then refund or exchange what was accepted.

    The refund goes through `desk.services.refund_issue` with a key made from
    the return, and the return leaves "received" in this transaction: a second
    inspection finds it decided (409) and nothing is refunded twice.
    """
    request = _lock(rma)
    if request.status != R.RECEIVED:
        raise Conflict(
            f"Return {rma} is {request.get_status_display().lower()}; only received returns can be inspected.",
            code="invalid_transition",
        )
    return_lines = list(request.lines.select_related("order_line").select_for_update(of=("self",)))
    errors: dict[str, list[str]] = {}
    inspected: dict[int, InspectLine] = {}
    checked_photos: dict[int, list] = {}
    for index, item in enumerate(lines):
        path = f"lines[{index}]"
        try:
            line = _line_for(request, return_lines, item.key)
        except ValidationError:
            errors[path] = ["This SKU is on several lines; give the line id."]
            continue
        if line is None:
            errors[path] = ["This item is not on the return."]
            continue
        if line.pk in inspected:
            errors[path] = ["This item is listed twice."]
            continue
        if item.condition not in Condition.values:
            errors[f"{path}.condition"] = [f"One of {', '.join(Condition.values)}."]
        if not 0 <= item.accepted_quantity <= line.received_quantity:
            errors[f"{path}.accepted_quantity"] = [
                f"Between 0 and {line.received_quantity}, the quantity received."
            ]
        if item.photos:
            try:
                checked_photos[line.pk] = validate_photos(item.photos)
            except ValidationError as exc:
                errors[f"{path}.photos"] = exc.message_dict.get("photos", exc.messages)
        inspected[line.pk] = item
    missing = [
        line.order_line.sku for line in return_lines if line.received_quantity and line.pk not in inspected
    ]
    if missing:
        errors["lines"] = [f"Inspect every item that arrived: {', '.join(missing)}."]
    if errors:
        raise ValidationError(errors)

    accepted_total = 0
    for line in return_lines:
        item = inspected.get(line.pk)
        if item is None:
            continue
        line.condition = item.condition
        line.accepted_quantity = item.accepted_quantity
        line.rejected_quantity = line.received_quantity - item.accepted_quantity
        line.notes = item.notes.strip()
        line.save(update_fields=["condition", "accepted_quantity", "rejected_quantity", "notes"])
        accepted_total += line.accepted_quantity
        # Received goods went back to stock; what cannot be sold again comes out.
        unsellable = line.rejected_quantity + (
            line.accepted_quantity if line.condition == Condition.DAMAGED else 0
        )
        _restock(line.order_line.product_id, -unsellable)
        for upload, content_type in checked_photos.get(line.pk, []):
            photo = InspectionPhoto(line=line, content_type=content_type, size=upload.size)
            photo.file.save(f"{uuid.uuid4().hex}{_extension(content_type)}", upload, save=False)
            photo.save()

    request.inspected_at = _now()
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
    _move(request, R.INSPECTED, actor=actor, fields=["inspected_at"], lines=summary)
    # What the buyer reads in the inspection e-mail: each item, how many of those that arrived
    # were accepted, and the inspector's note where something was not.
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
    all_accepted = all(item["accepted"] == item["received"] for item in items)

    refund = None
    exchange_order = None
    if accepted_total == 0:
        request.reject_reason = "Nothing was accepted at inspection."
        _move(request, R.REJECTED, actor=actor, reason=because(Reason.NOTHING_ACCEPTED), fields=["reject_reason"])
        _notify(request, "inspection_result", outcome="rejected", items=items, all_accepted=False)
    elif request.resolution == Resolution.EXCHANGE:
        exchange_order = _exchange(request, return_lines, exchange_skus or {}, actor=actor)
        # "Exchange shipped" waits for the shop to ship it: return_exchanges_announce_shipped.
        _notify(request, "inspection_result", outcome="exchange", items=items, all_accepted=all_accepted)
    else:
        refund = _refund_inspected(request, return_lines, actor=actor, items=items, all_accepted=all_accepted)
    return InspectionResult(request=request, refund=refund, exchange_order=exchange_order)


def _extension(content_type: str) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}[
        content_type
    ]


def _issue_refund(request: ReturnRequest, amount: Decimal, *, actor):
    days = request.terms.get("refund_processing_days", 5)
    return refund_issue(
        case=request.case,
        amount=amount,
        # One refund per return, whoever asks and however often.
        idempotency_key=f"return-{request.pk}-refund",
        actor=actor,
        method=request.terms.get("refund_method", "original_payment"),
        reason=f"Return {request.rma}",
        expected_arrival=add_business_days(timezone.localdate(), days),
    )


def _refund_inspected(
    request: ReturnRequest, return_lines: list[ReturnLine], *, actor, items: list[dict], all_accepted: bool
):
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
    amount = _refundable_part(request, breakdown.amount)
    # The buyer hears what inspection found now, whoever makes the refund.
    _notify(
        request,
        "inspection_result",
        outcome="refund" if all_accepted else "partial_refund",
        items=items,
        all_accepted=all_accepted,
        goods=str(breakdown.goods),
        restocking_fee=str(breakdown.restocking_fee),
        return_fee=str(breakdown.return_fee),
        amount=str(amount),
        currency=request.order.currency,
    )
    limit = approvals.limit_below(actor=actor, shop=request.order.shop, amount=amount, case=request.case)
    if limit is not None:
        # Stays "inspected" until an owner (or an agent whose limit covers it) makes the refund.
        approvals.hold_for_approval(
            request.case,
            actor=actor,
            action="return_refund",
            amount=amount,
            limit=limit,
            reason=because(Reason.RETURN_REFUND, rma=request.rma),
        )
        return None
    return _pay_out(request, return_lines, amount, actor=actor)


def _refundable_part(request: ReturnRequest, amount: Decimal) -> Decimal:
    """What can still go back on the order: a claim may have refunded it already (a parcel
    reported lost, refunded, then found and sent back). The goods come back all the same."""
    if request.terms.get("refund_method", "original_payment") != "original_payment":
        return amount
    left = order_refundable_amount(request.order)
    if amount > left:
        case_event(
            request.case, Verb.RETURN_REFUND_CAPPED, rma=request.rma, due=str(amount), refundable=str(left)
        )
        return left
    return amount


def _pay_out(request: ReturnRequest, return_lines: list[ReturnLine], amount: Decimal, *, actor):
    refund = _issue_refund(request, amount, actor=actor) if amount > 0 else None
    request.refund = refund
    everything = all(line.accepted_quantity == line.quantity for line in return_lines)
    _move(
        request,
        R.REFUNDED if everything else R.PARTLY_REFUNDED,
        actor=actor,
        fields=["refund"],
        goods=str(request.goods_value),
        restocking_fee=str(request.restocking_fee),
        return_fee=str(request.return_fee),
        amount=str(amount),
    )
    if refund:
        _notify_refund(request, refund)
    return refund


@transaction.atomic
def return_refund_approve(*, rma: str, actor) -> ReturnRequest:
    """Make the refund an inspection left for an owner because it was above the agent's limit."""
    request = _lock(rma)
    if not request.awaits_refund_approval:
        raise Conflict(
            f"Return {rma} has no refund waiting for approval.",
            code="invalid_transition",
        )
    amount = _refundable_part(request, request.refund_due)
    limit = approvals.limit_below(actor=actor, shop=request.order.shop, amount=amount, case=request.case)
    if limit is not None:
        raise Conflict(
            f"The refund of {amount} is above your limit of {limit}; an owner must approve it.",
            code="above_refund_limit",
        )
    return_lines = list(request.lines.select_related("order_line"))
    _pay_out(request, return_lines, amount, actor=actor)
    return request


def _notify_refund(request: ReturnRequest, refund) -> None:
    _notify(
        request,
        "refund_initiated",
        amount=str(refund.amount),
        currency=refund.currency,
        expected_date=refund.expected_arrival.isoformat() if refund.expected_arrival else "",
        method=refund.method,
    )


def _exchange(
    request: ReturnRequest, return_lines: list[ReturnLine], swaps: dict[str, str], *, actor
) -> Order:
    """The replacement is a new order in the shop's normal flow (seed 004), numbered after the original."""
    original = request.order
    shop = original.shop
    # The n-th return of this order gets -X<n>: stable, so no two returns aim at the same number.
    sequence = ReturnRequest.objects.filter(order=original, pk__lte=request.pk).count()
    number = f"{original.number}-X{sequence}"
    if Order.objects.filter(shop=shop, number=number).exists():
        # orders_upsert would overwrite it: never turn somebody's order into an exchange.
        raise Conflict(f"An order {number} exists already.", code="exchange_number_taken")
    wanted = {
        line.order_line.sku: swaps.get(line.order_line.sku) or line.order_line.sku for line in return_lines
    }
    unknown_swaps = sorted(set(swaps) - set(wanted))
    products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in=set(wanted.values()))}
    errors = {}
    if unknown_swaps:
        errors["exchange"] = [f"Not on the return: {', '.join(unknown_swaps)}."]
    for old_sku, new_sku in wanted.items():
        if new_sku != old_sku and new_sku not in products:
            errors[f"exchange.{old_sku}"] = [f"No product {new_sku} in this shop."]
    if errors:
        raise ValidationError(errors)

    item_lines = []
    goods = Decimal("0")
    for line in return_lines:
        if not line.accepted_quantity:
            continue
        new_sku = wanted[line.order_line.sku]
        product = products.get(new_sku)
        same = new_sku == line.order_line.sku
        item_lines.append(
            {
                "sku": new_sku,
                "title": line.order_line.title if same else product.title,
                "quantity": line.accepted_quantity,
                # Swapped for a variant (another size) at the price the buyer paid.
                "unit_price": line.order_line.unit_price,
                "unit_weight_g": line.order_line.unit_weight_g if same else product.unit_weight_g,
                "personalisation": [],
            }
        )
        goods += line.order_line.unit_price * line.accepted_quantity
    buyer = original.buyer
    item = {
        "shop": shop.slug,
        "number": number,
        "placed_at": _now(),
        "currency": original.currency,
        "subtotal": goods,
        "shipping_total": Decimal("0"),
        "tax_total": Decimal("0"),
        # Paid with the returned goods: no payment of its own, the money stays on the original order.
        "total": goods,
        "sales_channel": EXCHANGE_CHANNEL,
        "buyer": {"email": buyer.email, "name": buyer.name, "language": buyer.language},
        "lines": item_lines,
        "shipments": [],
        "shipping_speed": "standard",
        **{
            f"ship_{name}": getattr(original, f"ship_{name}")
            for name in ("name", "line1", "line2", "postal_code", "city", "region", "country")
        },
    }
    [result] = orders_upsert(items=[item])
    exchange_order = result.order
    request.exchange_order = exchange_order
    _move(
        request,
        R.EXCHANGED,
        actor=actor,
        fields=["exchange_order"],
        exchange_order=exchange_order.number,
        swaps={k: v for k, v in wanted.items() if k != v},
    )
    return exchange_order


def return_exchanges_announce_shipped() -> int:
    """Tell buyers whose exchange the shop has now shipped, with that parcel's tracking.

    The exchange is an order in the shop's normal flow; its parcel arrives like
    any other (the shop system, a webhook, the API). Run every minute by beat;
    sequence 1 makes the e-mail once per return however often this runs.
    """
    waiting = (
        ReturnRequest.objects.filter(exchange_order__shipments__tracking_number__gt="")
        .exclude(case__outbound_messages__event="exchange_shipped")
        .select_related("case", "exchange_order")
        .distinct()
    )
    announced = 0
    for request in waiting[:500]:
        shipment = (
            request.exchange_order.shipments.select_related("carrier")
            .exclude(tracking_number="")
            .order_by("-shipped_at", "-id")
            .first()
        )
        with transaction.atomic():
            notify_buyer(
                case=request.case,
                event="exchange_shipped",
                sequence=1,
                context={
                    "rma": request.rma,
                    "exchange_order": request.exchange_order.number,
                    "order_number": request.exchange_order.number,
                    "tracking_number": shipment.tracking_number,
                    "carrier_name": shipment.carrier.name,
                    "tracking_link": shipment.tracking_link,
                },
            )
            case_event(
                request.case,
                Verb.EXCHANGE_SHIPPED,
                rma=request.rma,
                exchange_order=request.exchange_order.number,
                tracking_number=shipment.tracking_number,
            )
        announced += 1
    return announced


# --- closing and expiry ------------------------------------------------------------


@transaction.atomic
def return_close(*, rma: str, actor=None) -> ReturnRequest:
    request = _lock(rma)
    was = request.status
    request.closed_at = _now()
    _move(request, R.CLOSED, actor=actor, fields=["closed_at"])
    if was != R.EXPIRED:
        # Seed 004: follow up after every return, whatever came of it.
        _notify(request, "feedback_request", outcome=was)
    return request


def return_expire_stale(*, now: datetime | None = None) -> int:
    """Expire approved returns whose parcel was never scanned within the label's life, and tell the buyer."""
    now = now or _now()
    due = list(
        ReturnRequest.objects.filter(status__in=AWAITING_PARCEL, expires_at__lt=now)
        .order_by("expires_at")
        .values_list("rma", flat=True)[:1000]
    )
    expired = 0
    for rma in due:
        expired += _expire_one(rma, now=now)
    return expired


@transaction.atomic
def _expire_one(rma: str, *, now: datetime) -> int:
    # Skip a row somebody is receiving or scanning right now; the next sweep looks again.
    request = (
        ReturnRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("case", "order__shop")
        .filter(rma=rma, status__in=AWAITING_PARCEL, expires_at__lt=now, first_scan_at__isnull=True)
        .first()
    )
    if request is None:
        return 0
    request.expired_at = now
    _move(request, R.EXPIRED, reason=because(Reason.LABEL_EXPIRED), fields=["expired_at"])
    _notify(request, "return_expired", expired_on=timezone.localdate(now).isoformat())
    return 1
