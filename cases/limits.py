"""What each agent of a shop may give back without an owner: read for the whole team at once, and set.

`cases.approvals.refund_limit_for` answers for one person when money moves; the
owner's team page asks for everybody at once, in three queries whatever the
team's size, with the same rule: the agent's own limit (this shop's, else every
shop's), else the highest of their groups', else 0; an owner of the shop or a
superuser has none (None).
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from orders import tenancy
from orders.models import Membership, Role, Shop

from .models import RefundLimit

logger = logging.getLogger("postsale.tenancy")
MAX_LIMIT = Decimal("1000000")


def refund_limits_for(*, users, shop: Shop) -> dict[int, Decimal | None]:
    users = list(users)
    ids = [user.pk for user in users]
    owners = set(
        Membership.objects.filter(shop=shop, role=Role.OWNER, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    groups_of: dict[int, set[int]] = {}
    for user_id, group_id in (
        get_user_model().groups.through.objects.filter(user_id__in=ids).values_list("user_id", "group_id")
    ):
        groups_of.setdefault(user_id, set()).add(group_id)
    every_group = set().union(*groups_of.values()) if groups_of else set()
    rows = list(
        RefundLimit.objects.filter(Q(shop__isnull=True) | Q(shop=shop))
        .filter(Q(user_id__in=ids) | Q(group_id__in=every_group))
        .values_list("shop_id", "user_id", "group_id", "amount")
    )
    limits: dict[int, Decimal | None] = {}
    for user in users:
        if user.is_superuser or user.pk in owners:
            limits[user.pk] = None
            continue
        own = {shop_id: amount for shop_id, user_id, _group, amount in rows if user_id == user.pk}
        if own:
            limits[user.pk] = own.get(shop.pk, own.get(None))
            continue
        by_group: dict[int, dict] = {}
        for shop_id, _user, group_id, amount in rows:
            if group_id in groups_of.get(user.pk, ()):
                by_group.setdefault(group_id, {})[shop_id] = amount
        amounts = [scoped.get(shop.pk, scoped.get(None)) for scoped in by_group.values()]
        limits[user.pk] = max(amounts) if amounts else Decimal("0")
    return limits


def _amount(value, field: str, *, required: bool) -> Decimal | None:
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        if required:
            raise ValidationError({field: [_("Enter an amount, 0 or more.")]})
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: [_("Enter an amount, 0 or more.")]}) from None
    if (
        not amount.is_finite()
        or amount < 0
        or amount > MAX_LIMIT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise ValidationError({field: [_("Enter an amount, 0 or more, with at most two decimals.")]})
    return amount


@transaction.atomic
def refund_limit_set(*, shop: Shop, user, amount, daily_amount=None, by=None) -> RefundLimit:
    """The agent's own limit in `shop` (per order, and optionally a daily total), replacing the one before.

    Only for an agent of the shop: an owner has no limit there, and another shop's
    people are not this owner's to limit.
    """
    if not tenancy.is_member(user, shop, roles=[Role.AGENT]):
        raise ValidationError(
            {"user": [_("%(user)s is not an agent of this shop.") % {"user": user.get_username()}]}
        )
    per_order = _amount(amount, "amount", required=True)
    daily = _amount(daily_amount, "daily_amount", required=False)
    limit, _created = RefundLimit.objects.update_or_create(
        shop=shop, user=user, group=None, defaults={"amount": per_order, "daily_amount": daily}
    )
    logger.info(
        "refund limit of %s in %s set to %s (daily %s) by %s",
        user.get_username(), shop.slug, per_order, daily, by.get_username() if by else "the system",
    )  # fmt: skip
    return limit
