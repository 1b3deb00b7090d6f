"""Resolving a claim: do what was decided for the buyer, once, and tell them.

`claim_resolve` runs the steps in order: check the request, hold a refund above
the agent's limit for an owner, move the case on for an action that waits,
escalate, or else refund, replace or cancel, record the resolution and tell
the buyer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import approvals
from cases.choices import MONEY_BACK, REPLACEMENTS, WAITING, Action, ClaimType
from cases.events import case_event, user_or_none
from cases.models import OPEN_STATUSES, Case, CaseStatus, InvoiceReduction, RefundMethod
from cases.refunds import (
    client_key,
    invoice_reduce,
    order_owed_amount,
    refund_expected_arrival,
    refund_issue,
    refund_room_check,
)
from cases.services import case_add_cost, case_add_search_terms, case_lock, move_locked
from cases.shop_orders import ShopOrderPurpose, shop_order_cancel, shop_order_create, shop_order_hold
from cases.verbs import Reason, Verb, reason_sentence
from config.errors import Conflict
from decisions import public as decisions
from messaging.public import BuyerEvent, OwnerEvent, notify_buyer, notify_owners
from orders.models import Order, Shipment, TrackingStatus
from orders.services import carrier_code, carriers_for_codes
from returns import public as returns

from ..models import Claim, Resolution
from .carrier_claims import carrier_claim_open
from .playbook import ask_to_check, tick_steps_for
from .stake import amount_at_stake

# Every action can be taken on a claim: those that end it, and the WAITING ones that move it on.
RESOLVE_ACTIONS = frozenset(Action.values)


@dataclass(frozen=True)
class ResolveResult:
    case: Case
    resolution: Resolution | None
    escalated_for_limit: bool = False


@transaction.atomic
def claim_resolve(
    *,
    case: Case,
    action: str,
    actor=None,
    reason: str = "",
    amount: Decimal | None = None,
    percent: int | None = None,
    goods_cost: Decimal | None = None,
    shipping_cost: Decimal | None = None,
    idempotency_key: str | None = None,
    replacement: dict | None = None,
    goodwill: bool = True,
    expected_arrival: date | None = None,
    buyer_message: str = "",
) -> ResolveResult:
    """Do what was decided for the buyer, once.

    `reason` is internal (the timeline, the owners); only `buyer_message` is written to
    the buyer, as the personal paragraph of the e-mail the action sends.

    The case row is locked first: when two agents click at once the second
    waits, then finds the case resolved and gets a conflict instead of a
    second refund or parcel. `idempotency_key` is the client's own: it lives
    in a namespace of its own (`cases.refunds.client_key`).
    """
    if action not in RESOLVE_ACTIONS:
        raise ValidationError({"action": [_("Unknown action %(action)s.") % {"action": repr(action)}]})
    case = case_lock(case)
    idempotency_key = client_key(idempotency_key) if idempotency_key else None
    if idempotency_key:
        earlier = _resolution_for_key(case, action, idempotency_key)
        if earlier is not None:
            return ResolveResult(case=case, resolution=earlier)
    claim = Claim.objects.filter(case=case).first()
    reason = (reason or "").strip()
    buyer_message = (buyer_message or "").strip()
    amount = _check(case, claim, action=action, reason=reason, amount=amount, percent=percent)

    if _held_above_limit(case, action=action, actor=actor, amount=amount, reason=reason):
        return ResolveResult(case=case, resolution=None, escalated_for_limit=True)
    if action in WAITING:
        _move_on(case, claim, action=action, actor=actor, reason=reason, buyer_message=buyer_message)
        return ResolveResult(case=case, resolution=None)
    if action == Action.ESCALATE:
        _escalate(case, actor=actor, reason=reason)
        return ResolveResult(case=case, resolution=None)

    resolution = Resolution(
        case=case, action=action, reason=reason, buyer_message=buyer_message, created_by=user_or_none(actor)
    )
    if action in MONEY_BACK:
        _refund(
            resolution,
            amount=amount,
            actor=actor,
            idempotency_key=idempotency_key,
            expected_arrival=expected_arrival,
        )
    elif action in REPLACEMENTS:
        _replace(
            resolution,
            amount=amount,
            goods_cost=goods_cost,
            shipping_cost=shipping_cost,
            goodwill=goodwill,
            replacement=replacement,
        )
        _claim_from_carrier(claim, actor=actor)
    elif action == Action.CANCEL_ORDER:
        _cancel_order(case)
    _record(resolution, actor=actor)
    # Whoever settled it (from the owners' inbox or the case page), nothing waits for an owner any more.
    approvals.approvals_settle(case, actor=actor, given=action in MONEY_BACK)
    _tell_resolved(case, resolution)
    return ResolveResult(case=case, resolution=resolution)


@transaction.atomic
def claim_act(*, case: Case, actor, action: str, reason: str = "", **resolve_kwargs) -> ResolveResult:
    """An agent acts on a case: follows the recommendation, or overrides it with a reason.

    Following it needs no reason of the agent's: the recommendation's own is the timeline's.
    """
    record = decisions.latest_decision(case)
    if record is not None and record.action == action and not (reason or "").strip():
        reason = record.reason or reason_sentence(Reason.NO_RULE_MATCHED)
    if (
        record is not None
        and record.action == action
        and resolve_kwargs.get("amount") is None
        and resolve_kwargs.get("percent") is None
    ):
        # Following the recommendation: the rule's percent, not the service's default share.
        resolve_kwargs["percent"] = record.refund_percent
    if record is not None and record.action != action and action != Action.ESCALATE:
        if not (reason or "").strip():
            raise ValidationError(
                {
                    "reason": [
                        _("The recommendation was %(recommended)s; say why you choose %(chosen)s instead.")
                        % {"recommended": Action(record.action).label, "chosen": Action(action).label}
                    ]
                }
            )
        result = claim_resolve(case=case, action=action, actor=actor, reason=reason, **resolve_kwargs)
        if not result.escalated_for_limit:
            decisions.override_decision(record=record, by=actor, action=action, reason=reason)
        return result
    return claim_resolve(case=case, action=action, actor=actor, reason=reason, **resolve_kwargs)


def buyer_event_for(case: Case, action: str) -> BuyerEvent | None:
    """The e-mail an action sends the buyer, if any: the desk's message field and hints follow it.

    Escalating, holding and cancelling tell the buyer nothing (an escalation tells the owners).
    """
    if action in MONEY_BACK:
        return BuyerEvent.REFUND_ISSUED
    if action in REPLACEMENTS:
        return BuyerEvent.REPLACEMENT_SHIPPED
    if action == Action.DENY:
        return BuyerEvent.CLAIM_DECLINED
    if action == Action.CARRIER_CLAIM:
        return BuyerEvent.CARRIER_INVESTIGATION_STARTED
    if action == Action.REQUEST_INFO:
        try:
            claim = case.claim  # joined on the case page already
        except Claim.DoesNotExist:
            claim = None
        if claim is not None and claim.type == ClaimType.DELIVERED_NOT_RECEIVED:
            return BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS
        return BuyerEvent.AGENT_REPLY
    return None


# --- the steps, in the order claim_resolve takes them ------------------------------


def _check(
    case: Case, claim: Claim | None, *, action: str, reason: str, amount: Decimal | None, percent: int | None
) -> Decimal | None:
    """Refuse what cannot be done, before anything is done.

    Returns the amount at stake: the one asked for, else the one the action implies.
    """
    if case.status not in OPEN_STATUSES:
        raise Conflict(
            _("Case %(reference)s is already %(status)s; reopen it first.")
            % {"reference": case.reference, "status": case.get_status_display().lower()},
            code="case_not_open",
        )
    if action == Action.DENY and not reason:
        raise ValidationError(
            {
                "reason": [
                    _(
                        "Give the internal reason for declining: it stays in the timeline; the buyer does not read it."
                    )
                ]
            }
        )
    if action == Action.ESCALATE and not reason:
        raise ValidationError({"reason": [_("Say why you escalate: the shop's owners read it.")]})
    if amount is None:
        amount = amount_at_stake(case, claim, action, percent)
    if amount is not None and amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    if action in MONEY_BACK and amount and case.order_id:
        # Before the limit: an impossible amount is the agent's mistake, not an owner's decision.
        # Store credit too: it is money owed to the buyer, within what they paid. What the buyer
        # has not paid yet (an open invoice) is not refunded but taken off the invoice (`_refund`).
        refund_room_check(case.order, max(amount - order_owed_amount(case.order), Decimal("0")))
    return amount


def _held_above_limit(case: Case, *, action: str, actor, amount: Decimal | None, reason: str) -> bool:
    """Money back above the agent's limit is not paid: the case waits for an owner instead."""
    if action not in MONEY_BACK:
        return False
    limit = approvals.limit_below(actor=actor, shop=case.shop, amount=amount, case=case)
    if limit is None:
        return False
    approvals.hold_for_approval(case, actor=actor, action=action, amount=amount, limit=limit, reason=reason)
    return True


def _move_on(case: Case, claim: Claim | None, *, action: str, actor, reason: str, buyer_message: str) -> None:
    """The actions that do not end the case: it waits for the buyer, the carrier or the payment."""
    if action == Action.REQUEST_INFO:
        move_locked(case, CaseStatus.WAITING_ON_BUYER, actor=actor, reason=reason)
        if claim is not None and claim.type == ClaimType.DELIVERED_NOT_RECEIVED:
            # Marked delivered: the buyer asks around first (household, neighbours, office, post office).
            ask_to_check(claim, buyer_message=buyer_message, author=actor)
        elif buyer_message:
            # Any other claim: the agent's question goes to the buyer as their reply.
            notify_buyer(
                case=case, event=BuyerEvent.AGENT_REPLY, context={"body": buyer_message}, author=actor
            )
            case_event(case, Verb.REPLIED, actor=actor)
    elif action == Action.CARRIER_CLAIM:
        if claim is not None and claim.shipment_id and not claim.carrier_claims.exists():
            carrier_claim_open(claim=claim, actor=actor)
        move_locked(case, CaseStatus.WAITING_ON_CARRIER, actor=actor, reason=reason)
        notify_buyer(
            case=case,
            event=BuyerEvent.CARRIER_INVESTIGATION_STARTED,
            context=_written(buyer_message),
            author=actor if buyer_message else None,
        )
        if claim is not None:
            tick_steps_for(claim, BuyerEvent.CARRIER_INVESTIGATION_STARTED)
    elif action == Action.HOLD_ORDER:
        held = Order.objects.filter(pk=case.order_id, held_at__isnull=True).update(held_at=timezone.now())
        case_event(case, Verb.ORDER_HELD, actor=actor, reason=reason)
        if held:
            shop_order_hold(case=case, order=case.order)
        move_locked(case, CaseStatus.IN_PROGRESS, actor=actor, reason=reason)


def _escalate(case: Case, *, actor, reason: str) -> None:
    move_locked(case, CaseStatus.ESCALATED, actor=actor, reason=reason)
    case_event(case, Verb.ESCALATED, actor=actor, reason=reason)
    notify_owners(case=case, event=OwnerEvent.OWNER_ESCALATION, context={"reason": reason})


def _refund(
    resolution: Resolution,
    *,
    amount: Decimal | None,
    actor,
    idempotency_key: str | None,
    expected_arrival: date | None,
) -> None:
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Give the amount to refund.")]})
    case, action = resolution.case, resolution.action
    resolution.amount = amount
    key = idempotency_key or _default_refund_key(case, action, amount)
    # An order not paid yet: nothing to pay back, the buyer's invoice shrinks (or is cancelled) first.
    resolution.invoice_reduction = invoice_reduce(
        case=case, amount=amount, key=f"{key}-invoice", actor=actor, reason=resolution.reason
    )
    if resolution.invoice_reduction is not None:
        amount -= resolution.invoice_reduction.amount
        if amount <= 0:
            return
    resolution.refund = refund_issue(
        case=case,
        amount=amount,
        idempotency_key=key,
        actor=actor,
        method=RefundMethod.STORE_CREDIT if action == Action.STORE_CREDIT else RefundMethod.ORIGINAL_PAYMENT,
        reason=resolution.reason,
        expected_arrival=expected_arrival
        or refund_expected_arrival(processing_days=returns.refund_processing_days(case.shop)),
    )


def _replace(
    resolution: Resolution,
    *,
    amount: Decimal | None,
    goods_cost: Decimal | None,
    shipping_cost: Decimal | None,
    goodwill: bool,
    replacement: dict | None,
) -> None:
    """Goods go out again: the shop carries their cost and the shipping."""
    case, action = resolution.case, resolution.action
    resolution.goods_cost = goods_cost if goods_cost is not None else (amount or Decimal("0"))
    resolution.with_return_label = action == Action.RESHIP_WITH_RETURN_LABEL
    resolution.goodwill = goodwill
    if action == Action.REMAKE and not goodwill:
        # Remade at cost: the buyer pays for the goods, the shop carries only the shipping.
        resolution.goods_cost = Decimal("0")
    resolution.shipping_cost = (
        shipping_cost
        if shipping_cost is not None
        else (case.order.shipping_total if case.order else Decimal("0"))
    )
    if replacement:
        resolution.replacement = _replacement_shipment(case, replacement)
    elif case.order_id:
        # No parcel named: the shop is to send it, so it becomes an order there (where the order came from).
        lines = _replacement_lines(case)
        charge = Decimal("0")
        if action == Action.REMAKE and not goodwill:
            charge = sum((line["unit_price"] * line["quantity"] for line in lines), Decimal("0"))
        shop_order_create(case=case, purpose=ShopOrderPurpose.REPLACEMENT, lines=lines, charge=charge)


# The carrier lost or broke the first parcel: it owes the shop for it (seed 000: "file a carrier claim").
CARRIER_FAULT = (ClaimType.LOST_IN_TRANSIT, ClaimType.DAMAGED)


def _claim_from_carrier(claim: Claim | None, *, actor) -> None:
    """A replacement for a parcel the carrier lost or damaged: the claim against the carrier starts now.

    Drafted with the carrier's deadline, so the reminder sweep (`carrier_claims_remind`) tells
    the agent or the owners before it passes; one per claim, however often the case is resolved.
    """
    if claim is None or not claim.shipment_id or claim.carrier_claims.exists():
        return
    if claim.type in CARRIER_FAULT or claim.shipment.status == TrackingStatus.LOST:
        carrier_claim_open(claim=claim, actor=actor)


def _replacement_lines(case: Case) -> list[dict]:
    """What goes out again: the lines the claim names, else the whole order."""
    claim = Claim.objects.filter(case=case).first()
    named = list(claim.lines.select_related("order_line")) if claim is not None else []
    pairs = [(line.order_line, line.quantity) for line in named] or [
        (line, line.quantity) for line in case.order.lines.all()
    ]
    return [
        {"sku": line.sku, "title": line.title, "quantity": quantity, "unit_price": line.unit_price}
        for line, quantity in pairs
        if quantity
    ]


def _replacement_shipment(case: Case, data: dict) -> Shipment:
    code = carrier_code(data["carrier"])
    carrier = carriers_for_codes({code})[code]
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                order=case.order,
                carrier=carrier,
                tracking_number=data["tracking_number"],
                service=data.get("service") or "replacement",
                shipped_at=timezone.now(),
                status=TrackingStatus.PRE_TRANSIT,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"replacement.tracking_number": [_("This tracking number is already in use.")]}
        ) from exc
    case_add_search_terms(case, shipment.tracking_number)
    return shipment


def _cancel_order(case: Case) -> None:
    cancelled = Order.objects.filter(pk=case.order_id, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    if cancelled:
        shop_order_cancel(case=case, order=case.order)


def _record(resolution: Resolution, *, actor) -> None:
    """The resolution, its cost on the case, the timeline entry, and the case resolved."""
    case = resolution.case
    resolution.save()
    case_add_cost(case, cost=resolution.cost)
    case_event(
        case,
        Verb.RESOLVED,
        actor=actor,
        new=resolution.action,
        amount=str(resolution.amount),
        cost=str(resolution.cost),
        reason=resolution.reason,
    )
    move_locked(case, CaseStatus.RESOLVED, actor=actor, reason=resolution.reason)


def _written(buyer_message: str) -> dict:
    """The agent's message to the buyer, for the e-mail's context; nothing when they wrote none."""
    return {"buyer_message": buyer_message} if buyer_message else {}


def _author(resolution: Resolution):
    # The agent signs the e-mail they wrote; a templated one is signed by the shop's team.
    return resolution.created_by if resolution.buyer_message else None


def invoice_context(reduction) -> dict:
    """What the buyer's e-mail says of a reduced or cancelled invoice."""
    return {
        "invoice_reduced": str(reduction.amount),
        "invoice_left": str(reduction.left_to_pay),
        "invoice_cancelled": reduction.cancels_invoice,
        "currency": reduction.currency,
    }


def tell_refund(case: Case, refund) -> None:
    """The buyer's "your refund is on its way" e-mail, with what the agent wrote for it."""
    resolution = Resolution.objects.filter(refund=refund).select_related("created_by").first()
    reduction = (
        InvoiceReduction.objects.filter(key=f"{refund.idempotency_key}-invoice").first()
        if resolution
        else None
    )
    notify_buyer(
        case=case,
        event=BuyerEvent.REFUND_ISSUED,
        context={
            "amount": str(refund.amount),
            "currency": refund.currency,
            "method": refund.method,
            "expected_date": refund.expected_arrival.isoformat() if refund.expected_arrival else "",
            **(invoice_context(reduction) if reduction is not None else {}),
            **_written(resolution.buyer_message if resolution else ""),
        },
        author=_author(resolution) if resolution else None,
    )


def _tell_resolved(case: Case, resolution: Resolution) -> None:
    action = resolution.action
    reduction = getattr(resolution, "invoice_reduction", None)
    if reduction is not None and resolution.refund is None:
        # Nothing was paid, so nothing is refunded: the buyer reads that the invoice is smaller.
        notify_buyer(
            case=case,
            event=BuyerEvent.REFUND_ISSUED,
            context={**invoice_context(reduction), **_written(resolution.buyer_message)},
            author=_author(resolution),
        )
    elif resolution.refund is not None:
        # A refund sent to a payment provider is told once the provider has accepted it
        # (`claims.receivers`); one paid out by hand, now.
        if not resolution.refund.awaits_provider:
            tell_refund(case, resolution.refund)
    elif action in REPLACEMENTS:
        replacement = resolution.replacement
        notify_buyer(
            case=case,
            event=BuyerEvent.REPLACEMENT_SHIPPED,
            context={
                "with_return_label": resolution.with_return_label,
                "remake": action == Action.REMAKE,
                "replacement_tracking_number": replacement.tracking_number if replacement else "",
                "replacement_tracking_url": replacement.tracking_link if replacement else "",
                **_written(resolution.buyer_message),
                # Without a replacement parcel yet, the e-mail must not show the lost parcel's
                # tracking (the case's context would): it says the replacement is being sent.
                **(
                    {}
                    if replacement
                    else {
                        "tracking_number": "",
                        "tracking_link": "",
                        "carrier_name": "",
                        "not_yet_shipped": True,
                    }
                ),
            },
            author=_author(resolution),
        )
    elif action == Action.DENY:
        # Never the reason: it is the agent's note for the timeline ("Käuferin ist markiert").
        notify_buyer(
            case=case,
            event=BuyerEvent.CLAIM_DECLINED,
            context=_written(resolution.buyer_message),
            author=_author(resolution),
        )


# --- idempotency ----------------------------------------------------------------


def _resolution_for_key(case: Case, action: str, idempotency_key: str) -> Resolution | None:
    """The resolution an earlier call with this idempotency key made, for a client that retries.

    The retry gets the first answer back instead of "case not open"; the same
    key for something else is the client's mistake and a conflict.
    """
    earlier = (
        Resolution.objects.filter(case=case, refund__idempotency_key=idempotency_key)
        .select_related("refund")
        .first()
    )
    if earlier is not None and earlier.action != action:
        raise Conflict(_("This idempotency key was already used for a different refund."), code="idempotency")
    return earlier


def _default_refund_key(case: Case, action: str, amount: Decimal) -> str:
    """One key per resolution attempt: the case's earlier resolutions are counted in.

    Without the count a second refund of the same amount after a reopen would
    find the first refund by its key and fail on linking it to a second resolution.
    """
    attempt = case.resolutions.count()
    return f"case-{case.pk}-{attempt}-{action}-{amount}"
