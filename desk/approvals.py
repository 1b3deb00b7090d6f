"""Refunds above an agent's limit wait for an owner (seed 001 #8), for claims and returns alike.

Agents decide within their refund limit (`decisions.RefundLimit`); a larger
refund is not made: the case goes to the owners with the amount and the limit,
and an owner (or an agent whose limit covers it) makes it.
"""

from decimal import Decimal

from django.db.models import Sum

from decisions.services import refund_limit_for
from messaging.services import notify_owners

from . import services as desk
from .models import Case, CaseStatus, Refund, RefundStatus


def limit_below(*, actor, shop, amount: Decimal | None, case: Case | None = None) -> Decimal | None:
    """The actor's limit when `amount` is above it; None when they may refund it.

    The limit is per case: with `case`, what the case has refunded already
    counts too, or reopening a case and refunding again would get round it.
    No actor (the system applying a decision the owner set to run on its own)
    means the owner's own rules decided, so there is no agent limit to check.
    """
    if actor is None or amount is None:
        return None
    limit = refund_limit_for(user=actor, shop=shop)
    if limit is None:
        return None
    total = amount + (refunded_on_case(case) if case is not None else Decimal("0"))
    return limit if total > limit else None


def refunded_on_case(case: Case) -> Decimal:
    """Money this case has sent back, pending or done; a failed refund paid nothing."""
    refunds = Refund.objects.filter(case=case).exclude(status=RefundStatus.FAILED)
    return refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def hold_for_approval(
    case: Case, *, actor, action: str, amount: Decimal, limit: Decimal, reason: str
) -> None:
    desk.case_event(
        case,
        "refund_needs_approval",
        actor=actor,
        new=action,
        amount=str(amount),
        limit=str(limit),
        reason=reason,
    )
    if case.status != CaseStatus.ESCALATED:
        desk.move_locked(
            case, CaseStatus.ESCALATED, actor=actor, reason=f"Refund {amount} above the agent's limit {limit}"
        )
    notify_owners(
        case=case,
        event="owner_escalation",
        context={"reason": reason, "amount": str(amount), "limit": str(limit), "action": action},
    )
