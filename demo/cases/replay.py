"""The demo shops' history, played: each story of `history` on a parcel the demo delivered.

The stories go through the same services as the open cases, by the demo agent
(the owner where a refund is above the agent's limit); afterwards every
timestamp of the case is moved back to the day the story stands for (`Clock`),
so months and resolution times vary. A shop's history is settled once.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cases.models import Refund
from cases.refunds import client_key
from orders.models import PaymentStatus, RiskFlag, Shipment, Shop, TrackingStatus

from .clock import Clock
from .history import HISTORY, HISTORY_KEY, RETURN, Settled
from .settle import returnable, settle_claim, settle_return


def seed_history() -> int:
    """Settle the stories of HISTORY in each shop that has none yet; returns how many cases that made."""
    users = {user.username: user for user in User.objects.filter(username__in=["agent", "owner"])}
    if len(users) < 2:
        return 0
    made = 0
    for shop in Shop.objects.filter(slug__in=HISTORY).order_by("slug"):
        # The refunds of a shop's history carry this key: one there means the history is.
        if Refund.objects.filter(
            idempotency_key__startswith=client_key(f"{HISTORY_KEY}-{shop.slug}-")
        ).exists():
            continue
        with transaction.atomic():
            made += _seed_shop_history(shop, agent=users["agent"], owner=users["owner"])
    return made


def _seed_shop_history(shop, *, agent, owner) -> int:
    now = timezone.now()
    zone = zoneinfo.ZoneInfo(shop.time_zone)
    parcels = list(
        Shipment.objects.filter(
            order__shop=shop,
            status=TrackingStatus.DELIVERED,
            delivered_at__lt=now - timedelta(days=4),
            order__cases__isnull=True,
            order__needed_by__isnull=True,
            order__buyer__risk_flag=RiskFlag.NONE,
            order__payments__status=PaymentStatus.PAID,
        )
        .select_related("order__shop", "order__buyer", "carrier")
        .prefetch_related("order__lines__product")
        .distinct()
        .order_by("delivered_at", "id")
    )
    made = 0
    for index, story in enumerate(HISTORY[shop.slug]):
        parcel = _parcel_for(story, parcels, now=now)
        if parcel is None:
            continue
        parcels.remove(parcel)
        # The buyer writes a day or two after delivery, in office hours.
        day = max(now - timedelta(days=story.days_ago), parcel.delivered_at + timedelta(days=1))
        opened = timezone.localtime(day, zone).replace(hour=8 + index % 9, minute=(index * 17) % 60)
        clock = Clock(now=now, zone=zone)
        if story.kind == RETURN:
            case = settle_return(story, parcel.order, opened=opened, clock=clock, agent=agent, owner=owner)
        else:
            key = f"{HISTORY_KEY}-{shop.slug}-{index}"
            case = settle_claim(story, parcel, opened=opened, clock=clock, agent=agent, owner=owner, key=key)
        if case is not None:
            clock.backdate(case)
            made += 1
    return made


def _parcel_for(story: Settled, parcels: list, *, now) -> Shipment | None:
    """The parcel delivered closest before the buyer got in touch, of the story's carrier if possible."""
    if story.kind == RETURN:
        # Within the 14-day window from delivery, which the return service checks against today.
        fits = [
            p
            for p in parcels
            if p.delivered_at > now - timedelta(days=13)
            and any(returnable(line) for line in p.order.lines.all())
        ]
    else:
        fits = [p for p in parcels if p.carrier.code == story.carrier] or parcels
    if not fits:
        return None
    target = now - timedelta(days=story.days_ago + 1)
    return min(fits, key=lambda p: abs(p.delivered_at - target))
