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

from . import outbound, signals
from .events import case_event, user_or_none
from .gateways import credit_gateway_for_order, gateway_for, gateway_for_order
from .models import REFUND_HOLDING, Case, InvoiceReduction, Refund, RefundMethod, RefundStatus
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
    total = Refund.objects.filter(order=order, status__in=REFUND_HOLDING).aggregate(s=Sum("amount"))["s"]
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


# Payments the buyer has not made yet: an invoice not paid, a cheque not cleared.
UNPAID = (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED)


def order_owed_amount(order: Order) -> Decimal:
    """What the buyer still owes on the order: payments not made yet, less the reductions already made."""
    owed = Payment.objects.filter(order=order, status__in=UNPAID).aggregate(s=Sum("amount"))["s"]
    reduced = InvoiceReduction.objects.filter(order=order).aggregate(s=Sum("amount"))["s"]
    return max((owed or Decimal("0")) - (reduced or Decimal("0")), Decimal("0"))


@transaction.atomic
def invoice_reduce(
    *, case: Case, amount: Decimal, key: str, actor=None, reason: str = ""
) -> InvoiceReduction | None:
    """Take what is due to the buyer off what they still owe, first; None when they owe nothing.

    The buyer of an unpaid invoice is told "your invoice is reduced" (or cancelled), never
    "refund of 0"; the agent reads on the case what to change in the shop. The same key gets the
    same reduction back, so a service that runs twice reduces once.
    """
    existing = InvoiceReduction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    if amount is None or amount <= 0 or not case.order_id:
        return None
    # Locked like a refund: two returns of one unpaid order reduce it one after the other.
    order = Order.objects.select_for_update().get(pk=case.order_id)
    owed = order_owed_amount(order)
    part = min(amount, owed)
    if part <= 0:
        return None
    reduction = InvoiceReduction.objects.create(
        case=case,
        order=order,
        amount=part,
        currency=order.currency,
        left_to_pay=owed - part,
        key=key,
        reason=reason[:300],
        created_by=user_or_none(actor),
    )
    case_event(
        case,
        Verb.INVOICE_REDUCED,
        actor=actor,
        new=str(part),
        left_to_pay=str(reduction.left_to_pay),
        currency=order.currency,
        order=order.number,
    )
    return reduction


@transaction.atomic
def invoice_reduction_done(*, reduction: InvoiceReduction, actor) -> InvoiceReduction:
    """The agent changed (or cancelled) the invoice in the shop: the case stops asking for it."""
    changed = InvoiceReduction.objects.filter(pk=reduction.pk, done_in_shop_at__isnull=True).update(
        done_in_shop_at=timezone.now(), done_by=user_or_none(actor)
    )
    if not changed:
        raise Conflict(_("This invoice was already marked as changed in the shop."), code="already_done")
    reduction.refresh_from_db()
    case_event(reduction.case, Verb.INVOICE_CHANGED_IN_SHOP, actor=actor, new=str(reduction.left_to_pay))
    return reduction


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
    # Store credit is booked in Postsale, or made in the shop the order came from (a gift card, a coupon);
    # money to the original payment goes through the gateway of the order's payment. Both may send it
    # to the provider after commit (`cases.outbound`).
    gateway = (
        credit_gateway_for_order(order) if method == RefundMethod.STORE_CREDIT else gateway_for_order(order)
    )
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
    if refund.gateway != "manual":
        raise Conflict(
            _("This refund goes through %(gateway)s, which confirms it itself.")
            % {"gateway": refund.gateway},
            code="invalid_transition",
        )
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


# What a payment provider says of a refund, as our status. Anything else (Stripe's "requires_action")
# leaves the refund where it is.
PROVIDER_STATES = {
    "pending": RefundStatus.ACCEPTED,
    "succeeded": RefundStatus.COMPLETED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
    "cancelled": RefundStatus.FAILED,
}
# Where a provider's answer or webhook may move a refund. Webhooks come late and out of order:
# a "pending" after "succeeded" changes nothing.
PROVIDER_MOVES = {
    RefundStatus.SUBMITTED: {RefundStatus.ACCEPTED, RefundStatus.COMPLETED, RefundStatus.FAILED},
    RefundStatus.ACCEPTED: {RefundStatus.COMPLETED, RefundStatus.FAILED},
    RefundStatus.COMPLETED: {RefundStatus.FAILED},
}


@transaction.atomic
def refund_provider_update(*, refund_id: int, state: str, reference: str = "", message: str = "") -> Refund:
    """The provider's word on a refund sent to it: its answer to the call, or a webhook later.

    The first "yes" (pending or succeeded) moves the refund out of "submitted" and
    tells the layers above (`signals.refund_accepted`): the buyer hears that the
    money is on its way then, and only then, whichever of the answer and the
    webhook comes first. A refusal puts the case back in front of an agent.
    """
    refund = Refund.objects.select_for_update(of=("self",)).select_related("case").get(pk=refund_id)
    fields = []
    if reference and not refund.gateway_reference:
        refund.gateway_reference = reference[:120]
        fields.append("gateway_reference")
    old, new = refund.status, PROVIDER_STATES.get(state)
    if new is None or new not in PROVIDER_MOVES.get(old, ()):
        if fields:
            refund.save(update_fields=fields)
        return refund
    refund.status = new
    fields.append("status")
    if new == RefundStatus.COMPLETED:
        refund.completed_at = timezone.now()
        fields.append("completed_at")
    refund.save(update_fields=fields)
    details = {"refund_id": refund.pk, "currency": refund.currency, "reference": refund.gateway_reference}
    if old == RefundStatus.SUBMITTED and new != RefundStatus.FAILED:
        case_event(refund.case, Verb.REFUND_ACCEPTED, new=str(refund.amount), **details)
        signals.refund_accepted.send(sender=Refund, refund=refund)
    if new == RefundStatus.COMPLETED:
        case_event(refund.case, Verb.REFUND_CONFIRMED, new=str(refund.amount), **details)
    elif new == RefundStatus.FAILED:
        case_event(refund.case, Verb.REFUND_FAILED, new=str(refund.amount), reason=message[:300], **details)
        outbound.back_to_agent(refund.case, reason=message[:300])
    return refund


def _refund_sent(call, answer: outbound.Answer) -> None:
    if call.refund_id is not None:
        refund_provider_update(
            refund_id=call.refund_id,
            state=str(answer.data.get("status") or "pending"),
            reference=answer.reference,
        )


def _refund_not_sent(call, message: str, refused: bool) -> None:
    # Given up after timeouts, the provider may still have made it: the refund keeps its money
    # reserved until an agent's retry (same key) finds out. Refused, it never will be made.
    if refused and call.refund_id is not None:
        refund_provider_update(refund_id=call.refund_id, state="failed", message=message)


def _refund_sent_again(call) -> None:
    """A refused refund tried again holds its money again, if the order still has that much to give back."""
    refund = Refund.objects.select_for_update(of=("self",)).get(pk=call.refund_id)
    if refund.status != RefundStatus.FAILED:
        return
    order = Order.objects.select_for_update().get(pk=refund.order_id)
    refund_room_check(order, refund.amount)
    refund.status = RefundStatus.SUBMITTED
    refund.save(update_fields=["status"])


def _credit_sent(call, answer: outbound.Answer) -> None:
    """The shop made the gift card or coupon: its code is kept before the buyer's e-mail, which carries it."""
    code = str(answer.data.get("code") or "")[:40]
    if call.refund_id is not None and code:
        Refund.objects.filter(pk=call.refund_id, credit_code="").update(credit_code=code)
    _refund_sent(call, answer)


outbound.register_kind(
    "refund.create", succeeded=_refund_sent, failed=_refund_not_sent, before_retry=_refund_sent_again
)
outbound.register_kind(
    "credit.create", succeeded=_credit_sent, failed=_refund_not_sent, before_retry=_refund_sent_again
)
