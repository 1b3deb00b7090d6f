"""The owner's team page: who works for each of their shops, and what each agent may give back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from cases.limits import refund_limits_for
from cases.models import OPEN_STATUSES, RefundLimit
from orders import tenancy
from orders.models import Membership, Role, Shop


@dataclass(frozen=True)
class Member:
    membership: Membership
    limit: Decimal | None  # None: no limit (an owner)
    daily: Decimal | None
    open_cases: int


@dataclass(frozen=True)
class ShopTeam:
    shop: Shop
    members: list[Member]


def owned_shops(user):
    return tenancy.shops_of(user, roles=[Role.OWNER]).order_by("name")


def teams(user) -> list[ShopTeam]:
    """Each shop the user owns with its owners and agents (integration users are not people)."""
    result = []
    for shop in owned_shops(user):
        memberships = list(
            Membership.objects.filter(shop=shop, role__in=[Role.OWNER, Role.AGENT])
            .select_related("user")
            .annotate(
                open_cases=Count(
                    "user__assigned_cases",
                    filter=Q(user__assigned_cases__shop=shop, user__assigned_cases__status__in=OPEN_STATUSES),
                )
            )
            .order_by("role", "user__username")
        )
        users = [membership.user for membership in memberships]
        limits = refund_limits_for(users=users, shop=shop)
        daily = dict(
            RefundLimit.objects.filter(shop=shop, user__in=users).values_list("user_id", "daily_amount")
        )
        result.append(
            ShopTeam(
                shop,
                [Member(m, limits[m.user_id], daily.get(m.user_id), m.open_cases) for m in memberships],
            )
        )
    return result
