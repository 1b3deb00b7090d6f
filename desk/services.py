"""Writes to cases: open, move, assign, note, refund. Each in one transaction with its audit event."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.api import Conflict
from orders.models import Order, Payment, PaymentStatus

from .models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    OpenedVia,
    Refund,
    RefundMethod,
    RefundStatus,
)
from .priority import case_priority
from .refunds import gateway_for

# How long a new case may wait for its first answer.
FIRST_RESPONSE_HOURS = getattr(settings, "POSTSALE_FIRST_RESPONSE_HOURS", 24)


def case_event(case: Case, verb: str, *, actor=None, old: str = "", new: str = "", **data) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, actor=user_or_none(actor), verb=verb, old=str(old), new=str(new), data=data
    )


def user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def case_open(
    *,
    kind: str,
    shop,
    opened_via: str,
    order: Order | None = None,
    buyer=None,
    subject: str = "",
    actor=None,
    language: str = "",
    first_response_hours: int | None = None,
) -> Case:
    buyer = buyer or (order.buyer if order else None)
    now = timezone.now()
    case = Case(
        # A placeholder until the id is known; the reference is built from it below.
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        kind=kind,
        shop=shop,
        order=order,
        buyer=buyer,
        subject=subject[:200],
        opened_via=opened_via,
        language=language or (buyer.language if buyer and buyer.language else shop.default_language),
        order_value=order.total if order else Decimal("0"),
        currency=order.currency if order else shop.currency,
        needed_by=order.needed_by if order else None,
        first_response_due=now + timedelta(hours=first_response_hours or FIRST_RESPONSE_HOURS),
    )
    case.priority = case_priority(case, now=now)
    case.save()
    case.reference = f"C-{now:%Y}-{case.pk:06d}"
    case.search_text = case_search_text(case)
    Case.objects.filter(pk=case.pk).update(reference=case.reference, search_text=case.search_text)
    case_event(case, "opened", actor=actor, new=CaseStatus.NEW, kind=kind, via=opened_via)
    return case


def case_search_text(case: Case, *extra: str) -> str:
    """What the queue's search box matches: reference, order number, buyer, tracking numbers."""
    parts = [case.reference, *extra]
    if case.order_id:
        parts.append(case.order.number)
        parts.extend(case.order.shipments.values_list("tracking_number", flat=True))
    if case.buyer_id:
        parts.extend([case.buyer.name, case.buyer.email])
    return " ".join(part for part in parts if part).lower()


def case_add_search_terms(case: Case, *terms: str) -> None:
    """Make the case findable by more words (an RMA, a replacement's tracking number)."""
    case.search_text = " ".join([case.search_text, *(t.lower() for t in terms if t)]).strip()
    Case.objects.filter(pk=case.pk).update(search_text=case.search_text)


def case_lock(case_or_id) -> Case:
    """The case row, locked until the transaction ends: two agents acting on it queue up."""
    pk = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
    return Case.objects.select_for_update().get(pk=pk)


def move_locked(case: Case, to: str, *, actor=None, reason: str = "", now: datetime | None = None) -> Case:
    """Change the status of a locked case, refusing moves the machine does not allow."""
    if case.status == to:
        return case
    if not case.can_move_to(to):
        raise Conflict(
            _("Case %(reference)s is %(status)s and cannot move to %(new)s.")
            % {
                "reference": case.reference,
                "status": case.get_status_display().lower(),
                "new": str(CaseStatus(to).label).lower(),
            },
            code="invalid_transition",
        )
    now = now or timezone.now()
    old = case.status
    case.status = to
    fields = ["status", "priority", "updated_at"]
    if to == CaseStatus.RESOLVED:
        case.resolved_at = now
        fields.append("resolved_at")
    if to == CaseStatus.CLOSED:
        _refuse_while_return_open(case)
        case.closed_at = now
        fields.append("closed_at")
        if old == CaseStatus.RESOLVED and _buyer_took_part(case):
            from messaging.services import notify_buyer  # messaging builds on desk; imported late

            # Seed 004: follow up after a case, and ask how it went.
            notify_buyer(case=case, event="feedback_request")
    if old in (CaseStatus.RESOLVED,) and to in OPEN_STATUSES:
        case.resolved_at = None
        fields.append("resolved_at")
    case.priority = case_priority(case, now=now)
    case.save(update_fields=fields)
    case_event(case, "status_changed", actor=actor, old=old, new=to, reason=reason)
    return case


def _refuse_while_return_open(case: Case) -> None:
    """A return on its way or waiting for inspection keeps its case open: closing would strand it."""
    return_request = getattr(case, "return_request", None)  # desk does not import returns
    if (
        return_request is not None
        and return_request.status != "closed"
        and not return_request.can_move_to("closed")
    ):
        raise Conflict(
            _("The return %(rma)s is %(status)s; finish it before closing the case.")
            % {"rma": return_request.rma, "status": return_request.get_status_display().lower()},
            code="return_open",
        )


def _buyer_took_part(case: Case) -> bool:
    """Whether the buyer was in touch about this case: only then is "how did we do?" a fair question.

    Not for a chargeback the bank opened, a payment review, or a stalled parcel the buyer
    never asked about, unless they wrote to us about it.
    """
    if case.opened_via in (OpenedVia.PORTAL, OpenedVia.EMAIL, OpenedVia.AGENT):
        return True  # the buyer wrote, or called and an agent opened it for them
    return case.inbound_messages.exists()


@transaction.atomic
def case_move(*, case: Case, to: str, actor=None, reason: str = "") -> Case:
    return move_locked(case_lock(case), to, actor=actor, reason=reason)


@transaction.atomic
def case_assign(*, case: Case, assignee, actor=None) -> Case:
    case = case_lock(case)
    old = case.assignee.get_username() if case.assignee else ""
    new = assignee.get_username() if assignee else ""
    if old == new:
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    case_event(case, "assigned", actor=actor, old=old, new=new)
    return case


@transaction.atomic
def case_note_add(*, case: Case, author, body: str) -> CaseNote:
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("A note cannot be empty.")]})
    note = CaseNote.objects.create(case=case, author=user_or_none(author), body=body)
    case_event(case, "note_added", actor=author, note_id=note.pk)
    return note


def case_mark_responded(case: Case, *, now: datetime | None = None) -> None:
    """The first answer to the buyer stops the first-response clock."""
    if case.first_responded_at is None:
        case.first_responded_at = now or timezone.now()
        case.priority = case_priority(case, now=case.first_responded_at)
        Case.objects.filter(pk=case.pk, first_responded_at__isnull=True).update(
            first_responded_at=case.first_responded_at, priority=case.priority
        )


def case_add_cost(case: Case, *, cost: Decimal = Decimal("0"), recovered: Decimal = Decimal("0")) -> None:
    # F() so concurrent resolutions on one case add up instead of overwriting each other.
    Case.objects.filter(pk=case.pk).update(
        cost_total=F("cost_total") + cost, recovered_total=F("recovered_total") + recovered
    )
    case.refresh_from_db(fields=["cost_total", "recovered_total"])


def cases_reprioritise(*, now: datetime | None = None) -> int:
    """Recompute the priority of open cases: urgency grows as deadlines come closer."""
    now = now or timezone.now()
    changed = []
    for case in (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .only(
            "id",
            "status",
            "priority",
            "needed_by",
            "first_response_due",
            "first_responded_at",
            "order_value",
            "currency",
            "kind",
        )
        .iterator(chunk_size=2000)
    ):
        priority = case_priority(case, now=now)
        if priority != case.priority:
            case.priority = priority
            changed.append(case)
    Case.objects.bulk_update(changed, ["priority"], batch_size=1000)
    return len(changed)


@transaction.atomic
def case_set_buyer_risk(*, case: Case, flag: str, reason: str, actor) -> None:
    """Flag or clear the buyer from a case (seed 002 #1), with the reason on the case's timeline."""
    from orders.services import buyer_set_risk

    old = case.buyer.risk_flag
    buyer_set_risk(buyer=case.buyer, flag=flag, reason=reason, by=actor)
    if old != flag:
        case_event(case, "buyer_risk_changed", actor=actor, old=old, new=flag, reason=reason)


# --- refunds ---


def add_business_days(start: date, days: int) -> date:
    """Banks book on working days: Saturday and Sunday do not count."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def refund_expected_arrival(shop, *, today: date | None = None) -> date:
    """When the buyer can expect the money (seed 004: buyers call to ask), from the shop's return policy."""
    policy = getattr(shop, "return_policy", None) if hasattr(shop, "return_policy") else None
    days = policy.refund_processing_days if policy is not None else 5
    return add_business_days(today or timezone.localdate(), days)


def order_paid_amount(order: Order) -> Decimal:
    total = Payment.objects.filter(order=order, status=PaymentStatus.PAID).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0")


def order_refunded_amount(order: Order) -> Decimal:
    total = Refund.objects.filter(
        order=order,
        status__in=[RefundStatus.PENDING, RefundStatus.COMPLETED],
        method=RefundMethod.ORIGINAL_PAYMENT,
    ).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0")


def order_refundable_amount(order: Order) -> Decimal:
    return max(order_paid_amount(order) - order_refunded_amount(order), Decimal("0"))


def refund_room_check(order: Order, amount: Decimal) -> None:
    """Refuse a refund to the original payment that is more than is left to refund on the order."""
    refundable = order_refundable_amount(order)
    if amount > refundable:
        raise ValidationError(
            {"amount": [f"At most {refundable:.2f} {order.currency} can still be refunded on this order."]}
        )


@transaction.atomic
def refund_issue(
    *,
    case: Case,
    amount: Decimal,
    idempotency_key: str,
    actor=None,
    method: str = RefundMethod.ORIGINAL_PAYMENT,
    reason: str = "",
    expected_arrival: date | None = None,
) -> Refund:
    """Record money going back to the buyer, at most once per idempotency key.

    The order row is locked first, so two refunds on one order, from two
    agents or a claim and a return at once, are summed one after the other and
    can never add up to more than was paid.
    """
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("A refund must be more than zero.")]})
    order = Order.objects.select_for_update().get(pk=case.order_id)
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        if existing.case_id != case.pk or existing.amount != amount:
            raise Conflict(
                _("This idempotency key was already used for a different refund."), code="idempotency"
            )
        return existing
    # Store credit is booked in Postsale itself; money to the original payment goes through the gateway.
    gateway = gateway_for("manual")
    if method == RefundMethod.ORIGINAL_PAYMENT:
        refund_room_check(order, amount)
    refund = Refund.objects.create(
        case=case,
        order=order,
        amount=amount,
        currency=order.currency,
        method=method,
        idempotency_key=idempotency_key,
        reason=reason[:300],
        created_by=user_or_none(actor),
        expected_arrival=expected_arrival,
        gateway=gateway.name,
    )
    submitted = gateway.submit(refund)
    if submitted.status != refund.status or submitted.reference:
        refund.status, refund.gateway_reference = submitted.status, submitted.reference
        refund.save(update_fields=["status", "gateway_reference"])
    case_event(
        case,
        "refund_issued",
        actor=actor,
        new=str(amount),
        refund_id=refund.pk,
        method=method,
        currency=order.currency,
    )
    return refund


@transaction.atomic
def refund_confirm(*, refund: Refund, actor, gateway_reference: str = "") -> Refund:
    """The manual gateway: an agent confirms the money left the shop's payment system."""
    result = gateway_for(refund.gateway).confirm(refund, gateway_reference[:120])
    updated = Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
        status=result.status, completed_at=timezone.now(), gateway_reference=result.reference
    )
    refund.refresh_from_db()
    if not updated:
        raise Conflict(
            _("Refund %(id)s is already %(status)s.")
            % {"id": refund.pk, "status": refund.get_status_display().lower()}
        )
    case_event(
        refund.case,
        "refund_confirmed",
        actor=actor,
        new=str(refund.amount),
        refund_id=refund.pk,
        reference=gateway_reference,
    )
    return refund
