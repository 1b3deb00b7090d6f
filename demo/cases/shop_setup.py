"""The demo shops' settings the cases rely on: what agents may refund alone, and where returns go."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group

from cases.models import RefundLimit
from config.roles import AGENTS
from demo.orders import DE_SHOP, RETURN_POLICIES, SE_SHOP
from orders.models import Shop
from returns.models import ReturnPolicy

# What the demo agents may give back on one order without an owner: a small shop lets
# its support settle the everyday cases and keeps the big ones.
DEMO_REFUND_LIMITS = {DE_SHOP: Decimal("250.00"), SE_SHOP: Decimal("2500.00")}


def setup_refund_limits() -> None:
    agents = Group.objects.get(name=AGENTS)
    for shop in Shop.objects.filter(slug__in=DEMO_REFUND_LIMITS):
        RefundLimit.objects.get_or_create(
            group=agents, shop=shop, user=None, defaults={"amount": DEMO_REFUND_LIMITS[shop.slug]}
        )


def setup_return_addresses() -> None:
    """The demo shops' return addresses (`demo.orders.shops`), so every demo label says where to send it."""
    for shop in Shop.objects.filter(slug__in=RETURN_POLICIES):
        policy, _ = ReturnPolicy.objects.get_or_create(shop=shop)
        if not policy.has_return_address:
            for field, value in RETURN_POLICIES[shop.slug].items():
                setattr(policy, field, value)
            policy.save()
