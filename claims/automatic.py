"""Cases nobody has to open by hand: stalled parcels, parcels that will miss the buyer's date, risky payments."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import OpenedVia
from orders.models import Order, PaymentMethod, Shipment, ShippingSpeed, TrackingStatus

from .models import Claim, StallThreshold
from .services import claim_open

log = logging.getLogger(__name__)

# Days without a tracking event before a parcel counts as stalled, when the shop set nothing.
DEFAULT_DAYS = {False: 5, True: 10}  # domestic, international
# A parcel this many days past its estimated delivery is stalled whatever its scans say.
DAYS_PAST_ESTIMATE = 2
# Statuses in which a quiet parcel is not lost: it arrived or went back.
NOT_STALLED = [
    TrackingStatus.DELIVERED,
    TrackingStatus.RETURNED_TO_SENDER,
]
# How long a pickup point keeps a parcel when the carrier named no last day (PostNord: 14
# days, DHL: 7); the longer one, so no parcel is called lost while it may still wait.
PICKUP_HOLD_DAYS = 14


def stall_days(thresholds: list[StallThreshold], *, carrier_id: int, international: bool) -> int:
    best = None
    for row in thresholds:
        if row.international != international or row.carrier_id not in (None, carrier_id):
            continue
        if best is None or (row.carrier_id is not None and best.carrier_id is None):
            best = row
    return best.days if best else DEFAULT_DAYS[international]


def stalled_shipments(*, now=None):
    """Shipments under way that have gone quiet, or that the carrier says it lost, with no
    lost-in-transit or late-for-the-date claim yet."""
    now = now or timezone.now()
    shortest = min([*DEFAULT_DAYS.values(), *StallThreshold.objects.values_list("days", flat=True)])
    quiet_since = now - timedelta(days=shortest)
    late_since = timezone.localdate(now) - timedelta(days=DAYS_PAST_ESTIMATE)
    candidates = (
        Shipment.objects.exclude(status__in=NOT_STALLED)
        .filter(
            Q(status=TrackingStatus.LOST)
            | Q(last_event_at__lt=quiet_since)
            | Q(estimated_delivery__lt=late_since)
            | Q(last_event_at__isnull=True, shipped_at__lt=quiet_since)
        )
        # A parcel late for its date is already an agent's, whose playbook files the carrier claim.
        .exclude(claims__type__in=[ClaimType.LOST_IN_TRANSIT, ClaimType.LATE_FOR_NEEDED_BY])
        .filter(order__cancelled_at__isnull=True)
        .select_related("order__shop", "carrier")
    )
    thresholds: dict[int, list[StallThreshold]] = {}
    for shipment in candidates.iterator(chunk_size=500):
        if shipment.status == TrackingStatus.LOST:
            yield shipment  # the carrier said so: no need to wait for it to go quiet
            continue
        shop = shipment.order.shop
        if shop.pk not in thresholds:
            thresholds[shop.pk] = list(StallThreshold.objects.filter(shop=shop))
        international = bool(shipment.order.ship_country) and shipment.order.ship_country != shop.country
        days = stall_days(thresholds[shop.pk], carrier_id=shipment.carrier_id, international=international)
        last = shipment.last_event_at or shipment.shipped_at
        if shipment.status == TrackingStatus.AVAILABLE_FOR_PICKUP:
            if _uncollected_and_not_returned(shipment, now=now, days=days):
                yield shipment
            continue
        quiet = last is not None and last < now - timedelta(days=days)
        late = shipment.estimated_delivery is not None and shipment.estimated_delivery < late_since
        if quiet or late:
            yield shipment


def _uncollected_and_not_returned(shipment: Shipment, *, now, days: int) -> bool:
    """Quiet is normal while a parcel waits for the buyer, however long they take. After the
    last day to fetch it the carrier sends it back to the shop; only if that return is not
    scanned within the stall days is the parcel missing."""
    held_until = shipment.pickup_until or (
        timezone.localdate(shipment.status_at or shipment.last_event_at) + timedelta(days=PICKUP_HOLD_DAYS)
    )
    return timezone.localdate(now) > held_until + timedelta(days=days)


def open_stalled_claims(*, now=None) -> int:
    """Open one lost-in-transit claim per stalled parcel; safe to run twice, even at once."""
    opened = 0
    for shipment in stalled_shipments(now=now):
        try:
            with transaction.atomic():
                claim_open(
                    order=shipment.order,
                    type=ClaimType.LOST_IN_TRANSIT,
                    opened_via=OpenedVia.AUTOMATIC,
                    shipment=shipment,
                    statement="",
                )
        except IntegrityError:
            # Another sweep got there first: the unique constraint keeps it to one claim.
            continue
        opened += 1
    return opened


# A parcel for a buyer's date is watched closely from this many days before it: quiet for
# `QUIET_DAYS_BEFORE_DATE` days then, or not delivered `DAYS_BEFORE_DATE` days before, it
# will miss the date. Long before the normal stall threshold (5 or 10 days of quiet) would
# notice, and while a replacement sent express still arrives in time.
WATCH_DAYS_BEFORE_DATE = 7
QUIET_DAYS_BEFORE_DATE = 2
DAYS_BEFORE_DATE = 2


def late_shipments(*, now=None):
    """Parcels under way that will miss the date their buyer needs the goods by.

    The carrier's estimate lies after the date; or the date is at most a week away and the
    parcel has not moved for two days, or is still not delivered two days before it.
    Parcels whose problem an agent already has (a late or lost claim) are left out.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    quiet_since = now - timedelta(days=QUIET_DAYS_BEFORE_DATE)
    candidates = (
        Shipment.objects.exclude(status__in=[*NOT_STALLED, TrackingStatus.LOST])
        # A date already gone: the buyer will tell us whether the goods still help.
        .filter(order__needed_by__gte=today, order__cancelled_at__isnull=True)
        .filter(
            Q(estimated_delivery__gt=F("order__needed_by"))
            | Q(order__needed_by__lte=today + timedelta(days=WATCH_DAYS_BEFORE_DATE))
        )
        .exclude(claims__type=ClaimType.LOST_IN_TRANSIT)
        .exclude(order__cases__claim__type=ClaimType.LATE_FOR_NEEDED_BY)
        .select_related("order__shop", "order__buyer")
        .distinct()
    )
    for shipment in candidates.iterator(chunk_size=500):
        needed_by = shipment.order.needed_by
        last = shipment.last_event_at or shipment.shipped_at
        if (
            (shipment.estimated_delivery is not None and shipment.estimated_delivery > needed_by)
            or (needed_by - today).days <= DAYS_BEFORE_DATE
            or (last is not None and last < quiet_since)
        ):
            yield shipment


def open_late_claims(*, now=None) -> int:
    """Open one late-for-the-date claim per order whose parcel will miss the buyer's date."""
    opened = 0
    for shipment in late_shipments(now=now):
        with transaction.atomic():
            # Lock the order so two sweeps (or a buyer reporting it at once) cannot both open one.
            locked = Order.objects.select_for_update().get(pk=shipment.order_id)
            if Claim.objects.filter(case__order=locked, type=ClaimType.LATE_FOR_NEEDED_BY).exists():
                continue
            claim_open(
                order=locked,
                type=ClaimType.LATE_FOR_NEEDED_BY,
                opened_via=OpenedVia.AUTOMATIC,
                shipment=shipment,
            )
        opened += 1
    return opened


def risky_payment_orders():
    """Orders that must ship at once, paid by a personal cheque that has not cleared.

    Shipped as asked, the goods would be gone before the cheque could bounce.
    """
    return (
        Order.objects.filter(
            payments__method=PaymentMethod.PERSONAL_CHEQUE,
            payments__cleared_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .exclude(shipping_speed=ShippingSpeed.STANDARD)
        .exclude(cases__claim__type=ClaimType.PAYMENT_REVIEW)
        .select_related("shop", "buyer")
        .distinct()
    )


def open_payment_reviews() -> int:
    opened = 0
    for order in risky_payment_orders():
        with transaction.atomic():
            # Lock the order so two sweeps cannot both see "no review yet".
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if Claim.objects.filter(case__order=locked, type=ClaimType.PAYMENT_REVIEW).exists():
                continue
            claim_open(order=locked, type=ClaimType.PAYMENT_REVIEW, opened_via=OpenedVia.AUTOMATIC)
        opened += 1
    return opened
