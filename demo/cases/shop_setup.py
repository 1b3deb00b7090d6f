"""The demo shops' settings the cases rely on: what agents may refund alone, and where returns go."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.contrib.auth.models import Group

from cases.choices import ClaimType
from cases.models import OpeningHours, RefundLimit, SlaPolicy
from cases.sla import sla_recompute_shop
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


# Support works Monday to Friday, 8 to 17 in the shop's time zone. A day's first answer, a
# week to settle; a chargeback waits for nobody (the provider's deadline counts as well).
DEMO_HOURS = [(weekday, time(8), time(17)) for weekday in range(5)]
DEMO_POLICIES = {"": (8, 45), ClaimType.CHARGEBACK: (4, 18)}


def setup_sla() -> None:
    for shop in Shop.objects.filter(slug__in=DEMO_REFUND_LIMITS):
        if not OpeningHours.objects.filter(shop=shop).exists():
            OpeningHours.objects.bulk_create(
                OpeningHours(shop=shop, weekday=weekday, opens=opens, closes=closes)
                for weekday, opens, closes in DEMO_HOURS
            )
        for case_type, (first, resolution) in DEMO_POLICIES.items():
            SlaPolicy.objects.get_or_create(
                shop=shop,
                case_type=case_type,
                defaults={"first_response_hours": first, "resolution_hours": resolution},
            )


def measure_sla() -> None:
    """The cases were dated back after they opened: measure their deadlines from when they say they opened."""
    for shop in Shop.objects.filter(slug__in=DEMO_REFUND_LIMITS):
        sla_recompute_shop(shop)
