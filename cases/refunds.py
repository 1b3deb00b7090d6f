"""Money back to the buyer: how much is left to refund on an order, and the refund itself, at most once.

Where the money actually moves is the gateway's business (`cases.gateways`);
these services record the refund, keep the order's sum below what was paid,
and write the timeline.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Conflict
from orders.models import Order, Payment, PaymentStatus

from .events import case_event, user_or_none
from .gateways import gateway_for
from .models import Case, Refund, RefundMethod, RefundStatus
from .verbs import Verb


def add_business_days(start: date, days: int) -> date:
    """Banks book on working days: Saturday and Sunday do not count."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def refund_expected_arrival(*, processing_days: int, today: date | None = None) -> date:
    """When the buyer can expect the money: buyers call to ask, so every refund e-mail names the day."""
    return add_business_days(today or timezone.localdate(), processing_days)


def order_paid_amount(order: Order) -> Decimal:
    total = Payment.objects.filter(order=order, status=PaymentStatus.PAID).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0")


def order_refunded_amount(order: Order) -> Decimal:
    """Money gone back on the order, pending or done: to the payment and as store credit alike.

    Store credit is money the shop owes the buyer just the same; left out, it
    had no cap at all and an order refunded in full could be credited again.
    """
    total = Refund.objects.filter(
        order=order, status__in=[RefundStatus.PENDING, RefundStatus.COMPLETED]
    ).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0")


def order_refundable_amount(order: Order) -> Decimal:
    return max(order_paid_amount(order) - order_refunded_amount(order), Decimal("0"))


def refund_room_check(order: Order, amount: Decimal) -> None:
    """Refuse a refund or store credit that is more than is left to refund on the order."""
    refundable = order_refundable_amount(order)
    if amount > refundable:
        raise ValidationError(
            {
                "amount": [
                    _("At most %(amount)s %(currency)s can still be refunded on this order.")
                    % {"amount": f"{refundable:.2f}", "currency": order.currency}
                ]
            }
        )


def client_key(key: str) -> str:
    """A client's idempotency key as stored: in a namespace of its own, so that no client can take
    the key of a refund Postsale makes itself (a return's, an automatic decision's) before it does."""
    return f"client:{key}"


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
    can never add up to more than was paid, store credit included.

    A key belongs to one refund: the same case, order, amount and method get
    that refund back (a client retrying); anything else is a conflict that
    says nothing about the refund that holds the key.
    """
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("A refund must be more than zero.")]})
    order = Order.objects.select_for_update().get(pk=case.order_id)
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        target = (existing.case_id, existing.order_id, existing.amount, existing.method)
        if target != (case.pk, order.pk, amount, method):
            raise Conflict(
                _("This idempotency key was already used for a different refund."), code="idempotency"
            )
        return existing
    # Store credit is booked in Postsale itself; money to the original payment goes through the gateway.
    gateway = gateway_for("manual")
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
        Verb.REFUND_ISSUED,
        actor=actor,
        new=str(amount),
        refund_id=refund.pk,
        method=method,
        currency=order.currency,
    )
    return refund


@transaction.atomic
def refund_confirm(*, refund: Refund, actor, gateway_reference: str = "") -> Refund:
    """The manual gateway: an agent confirms the money left the shop's payment system.

    Four eyes: whoever made the refund cannot also say it was paid out, or one
    person alone could send money anywhere and mark it done.
    """
    if refund.created_by_id is not None and refund.created_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("You made this refund; someone else must confirm that it was paid out."))
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
        Verb.REFUND_CONFIRMED,
        actor=actor,
        new=str(refund.amount),
        refund_id=refund.pk,
        reference=gateway_reference,
    )
    return refund
