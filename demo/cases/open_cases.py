"""The cases of the demo's stories, open, so the desk has work on the first visit.

The buyers of `demo.orders.stories` report their problems through the portal,
the automatic sweeps find the stalled parcels and the unpaid rush order, a card
payment is disputed, and one return in each shop waits for its parcel.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import OpenedVia
from claims import automatic
from claims import services as claims
from claims.models import Claim
from demo.orders import DE_SHOP, SE_SHOP
from orders.models import Order, TrackingStatus
from returns import services as returns
from returns.eligibility import LineIn
from returns.models import ReturnRequest

from .settle import returnable

# (shop, buyer name, claim type, statement, affected lines as (position, quantity))
BUYER_CLAIMS = [
    (
        DE_SHOP,
        "Sabine Kröger",
        ClaimType.MISSING_ITEMS,
        "Guten Tag, ich habe vier Dutzend Servietten bestellt, im Paket waren aber nur drei Dutzend. "
        "Bitte schicken Sie mir das fehlende Dutzend.",
        [(1, 1)],
    ),
    (
        DE_SHOP,
        "Katrin Vogel",
        ClaimType.PERSONALISATION_ERROR,
        "Die Initialen auf den Taschentüchern sind falsch! Das sollte V M K in Großbuchstaben sein.",
        [],
    ),
    (
        SE_SHOP,
        "Lena Holm",
        ClaimType.DELIVERED_NOT_RECEIVED,
        "Hej! Enligt spårningen är paketet levererat, men jag har inte fått något. Kan ni hjälpa mig?",
        [],
    ),
    (
        SE_SHOP,
        "Magnus Lindqvist",
        ClaimType.LOST_IN_TRANSIT,
        "Mitt paket verkar ha försvunnit på vägen. Vad händer nu?",
        [],
    ),
    (
        DE_SHOP,
        "Frank Lehmann",
        ClaimType.DAMAGED,
        "Die Bettwäsche kam mit einem Riss an, der Karton war nass.",
        [(1, 1)],
    ),
]


def _order_of(shop: str, buyer_name: str) -> Order | None:
    return (
        Order.objects.filter(shop__slug=shop, buyer__name=buyer_name)
        .select_related("shop", "buyer")
        .order_by("placed_at")
        .first()
    )


def _has_claim(order: Order, claim_type: str) -> bool:
    return Claim.objects.filter(case__order=order, type=claim_type).exists()


def open_story_cases() -> int:
    """Open the stories' cases that are not there yet; returns how many that made."""
    opened = 0
    for shop, name, claim_type, statement, positions in BUYER_CLAIMS:
        order = _order_of(shop, name)
        if order is None or _has_claim(order, claim_type):
            continue
        lines = [
            claims.LineIn(order_line=order.lines.get(position=position), quantity=quantity)
            for position, quantity in positions
        ]
        with transaction.atomic():
            claims.claim_open(
                order=order, type=claim_type, lines=lines, statement=statement, opened_via=OpenedVia.PORTAL
            )
        opened += 1
    opened += automatic.open_stalled_claims()
    opened += automatic.open_payment_reviews()
    opened += _seed_chargeback()
    opened += _seed_returns()
    return opened


def _seed_chargeback() -> int:
    """A card payment disputed as "not received" although the parcel was signed for."""
    order = (
        Order.objects.filter(
            shop__slug=DE_SHOP, shipments__status=TrackingStatus.DELIVERED, payments__method="card"
        )
        .exclude(cases__claim__isnull=False)
        .select_related("shop", "buyer")
        .order_by("-total")
        .first()
    )
    if order is None or Claim.objects.filter(case__shop__slug=DE_SHOP, type=ClaimType.CHARGEBACK).exists():
        return 0
    payment = order.payments.first()
    claims.claim_open(
        order=order,
        type=ClaimType.CHARGEBACK,
        opened_via=OpenedVia.API,
        dispute=claims.DisputeIn(
            provider="stripe",
            reference=f"dp_demo_{order.number}",
            reason="product_not_received",
            amount=payment.amount if payment else order.total,
            respond_by=timezone.now() + timedelta(days=9),
        ),
    )
    return 1


def _seed_returns() -> int:
    """One return in each shop, waiting for the parcel to come back."""
    opened = 0
    for shop in (DE_SHOP, SE_SHOP):
        if ReturnRequest.objects.filter(order__shop__slug=shop).exists():
            continue
        since = timezone.now() - timedelta(days=10)
        candidates = (
            Order.objects.filter(
                shop__slug=shop,
                shipments__status=TrackingStatus.DELIVERED,
                shipments__delivered_at__gte=since,
                cases__isnull=True,
            )
            .select_related("shop", "buyer")
            .order_by("-placed_at")
        )
        for order in candidates[:20]:
            line = next((line for line in order.lines.select_related("product") if returnable(line)), None)
            if line is None:
                continue
            with transaction.atomic():
                returns.return_request(
                    order=order,
                    lines=[LineIn(order_line=line, quantity=1, reason="too_small")],
                    method="drop_off",
                    resolution="refund",
                    opened_via=OpenedVia.PORTAL,
                )
            opened += 1
            break
    return opened
