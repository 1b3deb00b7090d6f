"""Refunds above an agent's limit wait for an owner (seed 001 #8), for claims and returns alike.

Agents decide within their refund limit (`decisions.RefundLimit`); a larger
refund is not made: the case goes to the owners with the amount and the limit,
and an owner (or an agent whose limit covers it) makes it.
"""

from decimal import Decimal

from decisions.services import refund_limit_for
from messaging.services import notify_owners

from . import services as desk
from .models import Case, CaseStatus


def limit_below(*, actor, shop, amount: Decimal | None) -> Decimal | None:
    """The actor's limit when `amount` is above it; None when they may refund it.

    No actor (the system applying a decision the owner set to run on its own)
    means the owner's own rules decided, so there is no agent limit to check.
    """
    if actor is None or amount is None:
        return None
    limit = refund_limit_for(user=actor, shop=shop)
    return limit if limit is not None and amount > limit else None


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
