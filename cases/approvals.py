"""Refunds above an agent's limit wait for an owner, for claims and returns alike.

The shop owner decides how much each agent may give back without asking
(`RefundLimit`); a larger refund is not made: the case goes to the owners with
the amount and the limit, and an owner (or an agent whose limit covers it)
makes it.

The limit is per order, not per case: what every case of the order gave back
counts (refunds to the payment and store credit, a return's refund per unit,
keep-the-item refunds, goods sent in exchange at list price), or splitting one
loss over four claims or one return per unit would get round it. A limit may
also cap what one agent gives back in a day.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Conflict
from orders import tenancy
from orders.models import Order, Role, Shop

from . import signals
from .events import case_event, user_or_none
from .models import Approval, ApprovalStatus, Case, CaseStatus, Refund, RefundLimit, RefundStatus
from .services import case_assign, move_locked
from .verbs import Reason, SystemReason, Verb, because, reason_data


def refund_limit_for(*, user, shop: Shop, rows: list[tuple] | None = None) -> Decimal | None:
    """How much `user` may refund on one case of `shop` without an owner; None means no limit.

    The user's own limit, else the highest of their groups', else 0. For both,
    a limit for this shop wins over one for every shop. Only an owner of this
    very shop has none: owning one shop is no say over another's money.
    `rows`: the user's `limit_rows`, when the caller read them already.
    """
    if user.is_superuser or tenancy.is_member(user, shop, roles=[Role.OWNER]):
        return None
    limits = [
        (shop_id, user_id, group_id, amount)
        for shop_id, user_id, group_id, amount, _daily in (
            limit_rows(user=user, shop=shop) if rows is None else rows
        )
    ]
    own = {shop_id: amount for shop_id, user_id, _group, amount in limits if user_id is not None}
    if own:
        return own.get(shop.pk, own.get(None))
    by_group: dict[int, dict] = {}
    for shop_id, _user, group_id, amount in limits:
        by_group.setdefault(group_id, {})[shop_id] = amount
    amounts = [scoped.get(shop.pk, scoped.get(None)) for scoped in by_group.values()]
    return max(amounts) if amounts else Decimal("0")


def limit_rows(*, user, shop: Shop) -> list[tuple]:
    """The refund-limit rows that may apply to `user` in `shop` (their own and their groups'), in one query:
    (shop id, user id, group id, limit per order, daily total)."""
    return list(
        RefundLimit.objects.filter(Q(shop__isnull=True) | Q(shop=shop))
        .filter(Q(user=user) | Q(group__in=user.groups.all()))
        .values_list("shop_id", "user_id", "group_id", "amount", "daily_amount")
    )


def decides_as_owner(*, user, shop: Shop) -> bool:
    """Whether `user` answers to nobody in `shop` (an owner, a superuser), or is the system applying
    the owner's own rules (None): what an agent may only ask for, they may do."""
    return user is None or refund_limit_for(user=user, shop=shop) is None


def limit_below(*, actor, shop, amount: Decimal | None, case: Case | None = None) -> Decimal | None:
    """The actor's limit (per order, or their daily total) when `amount` is above it; None when they may give it.

    With `case`, what the case's order gave back already counts too. Call it in
    the transaction that then gives the money or goods: it locks the order and
    the agent, so two agents refunding on one order, or one agent on two orders,
    are counted one after the other. No actor (the system applying a decision
    the owner set to run on its own) means the owner's own rules decided, so
    there is no agent limit to check.
    """
    if actor is None or amount is None:
        return None
    order_id = case.order_id if case is not None else None
    if order_id is not None:
        Order.objects.select_for_update().filter(pk=order_id).order_by().first()
    get_user_model().objects.select_for_update().filter(pk=actor.pk).order_by().first()
    return _standing(actor, shop, order_id).passed(amount)


@dataclass(frozen=True)
class Standing:
    """Where a user stands against their limits on one order."""

    limit: Decimal | None  # per order; None: no limit at all
    given: Decimal  # what the order gave back so far, by anyone
    daily: Decimal | None = None  # None: no daily total
    given_today: Decimal = Decimal("0")  # what the user gave back in the shop today

    def passed(self, amount: Decimal) -> Decimal | None:
        """The limit `amount` more would pass (the one per order first), or None."""
        if self.limit is not None and amount + self.given > self.limit:
            return self.limit
        if self.daily is not None and amount + self.given_today > self.daily:
            return self.daily
        return None

    def allows(self, amount: Decimal | None) -> bool:
        return amount is None or self.passed(amount) is None


def standing(*, user, shop: Shop, case: Case) -> Standing:
    """The user's limits and what counts against them on the case's order; for pages, nothing is locked."""
    return _standing(user, shop, case.order_id)


def _standing(user, shop: Shop, order_id: int | None) -> Standing:
    if user.is_superuser or tenancy.is_member(user, shop, roles=[Role.OWNER]):
        return Standing(limit=None, given=Decimal("0"))
    rows = limit_rows(user=user, shop=shop)  # read once for the limit per order and the daily total
    limit = refund_limit_for(user=user, shop=shop, rows=rows)
    given = given_back_on_order(order_id) if order_id is not None else Decimal("0")
    daily = daily_limit_for(user=user, shop=shop, rows=rows)
    if daily is None:
        return Standing(limit=limit, given=given)
    today = given_back_by(user=user, shop=shop, since=start_of_day(shop))
    return Standing(limit=limit, given=given, daily=daily, given_today=today)


def given_back_on_order(order_id: int) -> Decimal:
    """What an order gave back, pending or done, by anyone: refunds, store credit, goods exchanged."""
    refunds = Refund.objects.filter(order_id=order_id).exclude(status=RefundStatus.FAILED)
    money = refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return money + _goods_given(order_id=order_id)


def given_back_by(*, user, shop: Shop, since: datetime) -> Decimal:
    """What `user` gave back in the shop since `since`: the refunds they made and the goods they exchanged."""
    refunds = (
        Refund.objects.filter(created_by=user_or_none(user), order__shop=shop, created_at__gte=since)
        .exclude(status=RefundStatus.FAILED)
        .order_by()
    )
    money = refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return money + _goods_given(user=user, shop=shop, since=since)


def _goods_given(**filters) -> Decimal:
    answers = signals.goods_given.send(
        sender=Case, **{"order_id": None, "user": None, "shop": None, "since": None, **filters}
    )
    return sum((value for _receiver, value in answers), start=Decimal("0"))


def start_of_day(shop: Shop) -> datetime:
    """Midnight today where the shop is: an agent's day is the shop's day."""
    try:
        zone = zoneinfo.ZoneInfo(shop.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return datetime.combine(timezone.localdate(timezone=zone), time.min, tzinfo=zone)


def daily_limit_for(*, user, shop: Shop, rows: list[tuple] | None = None) -> Decimal | None:
    """How much `user`, who has a limit, may give back in `shop` in one day; None means no daily total.

    Chosen like the limit per order: the user's own row, else the highest of
    their groups' (a group without a daily total sets none), a row for this
    shop before one for every shop.
    """
    rows = [
        (shop_id, user_id, group_id, daily)
        for shop_id, user_id, group_id, _amount, daily in (
            limit_rows(user=user, shop=shop) if rows is None else rows
        )
    ]
    own = {shop_id: daily for shop_id, user_id, _group, daily in rows if user_id is not None}
    if own:
        return own.get(shop.pk, own.get(None))
    by_group: dict[int, dict] = {}
    for shop_id, _user, group_id, daily in rows:
        by_group.setdefault(group_id, {})[shop_id] = daily
    dailies = [scoped.get(shop.pk, scoped.get(None)) for scoped in by_group.values()]
    if not dailies or None in dailies:
        return None
    return max(dailies)


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
    # In the owners' inbox: one per case, the latest ask (another amount) replacing the one before.
    Approval.objects.update_or_create(
        case=case,
        status=ApprovalStatus.PENDING,
        defaults={
            "shop_id": case.shop_id,
            "action": action,
            "amount": amount,
            "limit": limit,
            "reason": reason_data(reason),
            "requested_by": user_or_none(actor),
        },
    )
    signals.approval_requested.send(
        sender=Case, case=case, action=action, amount=amount, limit=limit, reason=reason
    )


def approvals_settle(case: Case, *, actor, given: bool) -> None:
    """The case was settled while an approval waited: made as asked (`given`), or some other way.

    Called by whatever did it (the claim's resolution, the return's refund), in its
    transaction, whether the owner came from the inbox or acted on the case page.
    """
    Approval.objects.filter(case=case, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.APPROVED if given else ApprovalStatus.WITHDRAWN,
        decided_by=user_or_none(actor),
        decided_at=timezone.now(),
    )


def approval_for_decision(*, pk: int, actor) -> Approval:
    """The waiting approval, locked, if `actor` may decide it: an owner of its shop (or a superuser).

    Another shop's approval is not found at all; one decided meanwhile (two owners
    clicking at once) is a conflict, so the second click makes nothing.
    """
    approval = (
        tenancy.in_shops(Approval.objects.select_for_update(of=("self",)), actor, roles=[Role.OWNER])
        .select_related("case", "shop")
        .filter(pk=pk)
        .first()
    )
    if approval is None:
        raise Approval.DoesNotExist
    if approval.status != ApprovalStatus.PENDING:
        raise Conflict(
            _("This approval was already decided: %(status)s.")
            % {"status": approval.get_status_display().lower()},
            code="invalid_transition",
        )
    return approval


@transaction.atomic
def approval_decline(*, pk: int, actor, note: str) -> Approval:
    """No: the case goes back to the agent who asked, with the owner's words; nothing is paid."""
    approval = approval_for_decision(pk=pk, actor=actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why, for the agent who asked.")]})
    approval.status = ApprovalStatus.DECLINED
    approval.decided_by = user_or_none(actor)
    approval.decided_at = timezone.now()
    approval.note = note[:2000]
    approval.save(update_fields=["status", "decided_by", "decided_at", "note"])
    case = Case.objects.select_for_update().get(pk=approval.case_id)
    case_event(
        case,
        Verb.APPROVAL_DECLINED,
        actor=actor,
        new=approval.action,
        amount=str(approval.amount),
        reason=note,
    )
    if case.status == CaseStatus.ESCALATED:
        move_locked(case, CaseStatus.IN_PROGRESS, actor=actor, reason=note)
    if approval.requested_by_id and case.assignee_id != approval.requested_by_id:
        case_assign(case=case, assignee=approval.requested_by, actor=actor)
    return approval
