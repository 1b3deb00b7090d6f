"""The money of a return: what the accepted goods are worth, the refund made for them, and its approval."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from cases import approvals
from cases.choices import RETURN_EXCHANGE, RETURN_REFUND
from cases.events import case_event
from cases.models import InvoiceReduction, Refund
from cases.refunds import invoice_reduce, order_refundable_amount, refund_expected_arrival, refund_issue
from cases.services import case_add_cost
from cases.verbs import Reason, Verb, because
from config.errors import Conflict
from messaging.public import BuyerEvent

from ..models import Condition, ReturnLine, ReturnRequest, ReturnStatus
from . import exchange
from .machine import lock_return, move_return, notify

CENT = Decimal("0.01")


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


def issue_refund(request: ReturnRequest, amount: Decimal, *, actor) -> Refund:
    return refund_issue(
        case=request.case,
        amount=amount,
        # One refund per return, whoever asks and however often.
        idempotency_key=f"return-{request.pk}-refund",
        actor=actor,
        method=request.terms.get("refund_method", "original_payment"),
        reason=f"Return {request.rma}",
        expected_arrival=refund_expected_arrival(
            processing_days=request.terms.get("refund_processing_days", 5)
        ),
    )


def invoice_key(request: ReturnRequest) -> str:
    return f"return-{request.pk}-invoice"


def invoice_reduction_of(request: ReturnRequest) -> InvoiceReduction | None:
    return InvoiceReduction.objects.filter(key=invoice_key(request)).first()


def refundable_part(request: ReturnRequest, amount: Decimal, *, actor=None) -> Decimal:
    """What is refunded of `amount`, the value the return gives back.

    An order the buyer has not paid yet (an open invoice) is reduced first: nothing was paid,
    so nothing is refunded, and the buyer is told their invoice is smaller or cancelled. Of the
    rest, what can still go back on the order, as money or store credit: a claim may have
    refunded it already (a parcel reported lost, refunded, then found and sent back). The goods
    come back all the same.
    """
    reduction = invoice_reduce(
        case=request.case,
        amount=amount,
        key=invoice_key(request),
        actor=actor,
        reason=f"Return {request.rma}",
    )
    if reduction is not None:
        amount = max(amount - reduction.amount, Decimal("0"))
    left = order_refundable_amount(request.order)
    if amount > left:
        case_event(
            request.case, Verb.RETURN_REFUND_CAPPED, rma=request.rma, due=str(amount), refundable=str(left)
        )
        return left
    return amount


def pay_out(
    request: ReturnRequest, return_lines: list[ReturnLine], amount: Decimal, *, actor
) -> Refund | None:
    """Refund `amount` for the inspected goods and close the deal: refunded, or partly when not all came back."""
    refund = issue_refund(request, amount, actor=actor) if amount > 0 else None
    request.refund = refund
    everything = all(line.accepted_quantity == line.quantity for line in return_lines)
    move_return(
        request,
        ReturnStatus.REFUNDED if everything else ReturnStatus.PARTLY_REFUNDED,
        actor=actor,
        fields=["refund"],
        goods=str(request.goods_value),
        restocking_fee=str(request.restocking_fee),
        return_fee=str(request.return_fee),
        amount=str(amount),
    )
    if refund:
        notify_refund(request, refund)
    return refund


def notify_refund(request: ReturnRequest, refund: Refund) -> None:
    if refund.awaits_provider:
        return  # told once the payment provider accepts it (`returns.receivers`)
    tell_refund(request, refund)


def tell_refund(request: ReturnRequest, refund: Refund) -> None:
    notify(
        request,
        BuyerEvent.REFUND_INITIATED,
        amount=str(refund.amount),
        currency=refund.currency,
        expected_date=refund.expected_arrival.isoformat() if refund.expected_arrival else "",
        method=refund.method,
    )


@transaction.atomic
def return_refund_approve(*, rma: str, actor) -> ReturnRequest:
    """Make the refund (or the exchange) left for an owner because it was above the agent's limit."""
    request = lock_return(rma)
    if request.awaits_exchange_approval:
        return _approve_exchange(request, actor=actor)
    if not request.awaits_refund_approval:
        raise Conflict(
            _("Return %(rma)s has no refund waiting for approval.") % {"rma": rma},
            code="invalid_transition",
        )
    amount = refundable_part(request, request.refund_due, actor=actor)
    _check_limit(request, amount, actor=actor)
    if request.keep_item:
        pay_out_kept(request, amount, actor=actor)
    else:
        pay_out(request, list(request.lines.select_related("order_line")), amount, actor=actor)
    approvals.approvals_settle(request.case, actor=actor, given=True)
    return request


def _approve_exchange(request: ReturnRequest, *, actor) -> ReturnRequest:
    """The swaps are checked again as the approver may make them: an owner may send another product."""
    return_lines = list(request.lines.select_related("order_line"))
    plan = exchange.exchange_plan(request, return_lines, request.exchange_skus, actor=actor)
    _check_limit(request, plan.value, actor=actor)
    exchange.exchange_order_create(request, return_lines, plan, actor=actor)
    approvals.approvals_settle(request.case, actor=actor, given=True)
    return request


def held_for_owner(request: ReturnRequest, amount: Decimal, *, actor, action: str = RETURN_REFUND) -> bool:
    """Leave what the return gives (its refund, or an exchange's goods) for an owner when it would take
    what the order gave back above the actor's limit; True when it was left.

    The return stays where it is until an owner (or an agent whose limit covers
    it) makes it with `return_refund_approve`.
    """
    limit = approvals.limit_below(actor=actor, shop=request.order.shop, amount=amount, case=request.case)
    if limit is None:
        return False
    reason = Reason.RETURN_EXCHANGE if action == RETURN_EXCHANGE else Reason.RETURN_REFUND
    approvals.hold_for_approval(
        request.case,
        actor=actor,
        action=action,
        amount=amount,
        limit=limit,
        reason=because(reason, rma=request.rma),
    )
    return True


def _check_limit(request: ReturnRequest, amount: Decimal, *, actor) -> None:
    limit = approvals.limit_below(actor=actor, shop=request.order.shop, amount=amount, case=request.case)
    if limit is not None:
        raise Conflict(
            _("The refund of %(amount)s is above your limit of %(limit)s; an owner must approve it.")
            % {"amount": amount, "limit": limit},
            code="above_refund_limit",
        )


def pay_out_kept(request: ReturnRequest, amount: Decimal, *, actor) -> Refund | None:
    """Refund goods the buyer keeps: nothing comes back, so what was refunded is lost to the shop."""
    refund = issue_refund(request, amount, actor=actor) if amount > 0 else None
    request.refund = refund
    case_add_cost(request.case, cost=amount)
    move_return(
        request,
        ReturnStatus.REFUNDED,
        actor=actor,
        reason=because(Reason.BUYER_KEEPS_GOODS),
        fields=["refund"],
        amount=str(amount),
    )
    if refund:
        notify_refund(request, refund)
    return refund
