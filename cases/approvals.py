"""Refunds above an agent's limit wait for an owner, for claims and returns alike.

The shop owner decides how much each agent may give back without asking
(`RefundLimit`); a larger refund is not made: the case goes to the owners with
the amount and the limit, and an owner (or an agent whose limit covers it)
makes it.
"""

from decimal import Decimal

from django.db.models import Q, Sum

from orders import tenancy
from orders.models import Role, Shop

from . import signals
from .events import case_event
from .models import Case, CaseStatus, Refund, RefundLimit, RefundStatus
from .services import move_locked
from .verbs import Reason, SystemReason, Verb, because


def refund_limit_for(*, user, shop: Shop) -> Decimal | None:
    """How much `user` may refund on one case of `shop` without an owner; None means no limit.

    The user's own limit, else the highest of their groups', else 0. For both,
    a limit for this shop wins over one for every shop. Only an owner of this
    very shop has none: owning one shop is no say over another's money.
    """
    if user.is_superuser or tenancy.is_member(user, shop, roles=[Role.OWNER]):
        return None
    groups = dict(user.groups.values_list("pk", "name"))
    limits = list(
        RefundLimit.objects.filter(Q(shop__isnull=True) | Q(shop=shop))
        .filter(Q(user=user) | Q(group_id__in=list(groups)))
        .values_list("shop_id", "user_id", "group_id", "amount")
    )
    own = {shop_id: amount for shop_id, user_id, _group, amount in limits if user_id is not None}
    if own:
        return own.get(shop.pk, own.get(None))
    by_group: dict[int, dict] = {}
    for shop_id, _user, group_id, amount in limits:
        by_group.setdefault(group_id, {})[shop_id] = amount
    amounts = [scoped.get(shop.pk, scoped.get(None)) for scoped in by_group.values()]
    return max(amounts) if amounts else Decimal("0")


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
    case: Case, *, actor, action: str, amount: Decimal, limit: Decimal, reason: str | SystemReason
) -> None:
    case_event(
        case,
        Verb.REFUND_NEEDS_APPROVAL,
        actor=actor,
        new=action,
        amount=str(amount),
        limit=str(limit),
        reason=reason,
    )
    if case.status != CaseStatus.ESCALATED:
        move_locked(
            case,
            CaseStatus.ESCALATED,
            actor=actor,
            reason=because(Reason.ABOVE_LIMIT, amount=amount, limit=limit),
        )
    signals.approval_requested.send(
        sender=Case, case=case, action=action, amount=amount, limit=limit, reason=reason
    )
