"""The rollup tables. Each row is one shop's day along the dimensions a report groups by.

Which date a counter is filed under is part of its meaning and is said next to
it: sales and return rates go by the day the order was placed (a cohort), a
case's counters by the day it was opened or resolved, money by the day it moved.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

ZERO = Decimal("0")


def _money():
    return models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)


class Rollup(models.Model):
    shop = models.ForeignKey("orders.Shop", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{type(self).__name__} {self.shop_id} {self.day}"


class RollupDirty(models.Model):
    """A shop-day some write touched since the last refresh (written by the triggers only).

    Append-only on purpose: a unique (shop, day) row would make every writer of a
    busy day wait for the others' commits. The day is the UTC date; the refresh
    widens it by a day each side to cover the shop's time zone.
    """

    shop_id = models.BigIntegerField()
    day = models.DateField()

    def __str__(self):
        return f"{self.shop_id} {self.day}"


class RollupState(models.Model):
    """When the rollups were last brought up to date (one row)."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"refreshed {self.refreshed_at}"


class ProductDay(Rollup):
    sku = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    title = models.CharField(max_length=200, blank=True)
    # By the day the order was placed; cancelled and exchange orders are not sales.
    sold_units = models.PositiveIntegerField(default=0)
    returned_units = models.PositiveIntegerField(default=0)
    # By the day the return was requested: accepted units and their goods value.
    refunded_units = models.PositiveIntegerField(default=0)
    refunded_value = _money()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "sku", "currency"], name="productday_unique")
        ]


class ReasonDay(Rollup):
    # By the day the order was placed.
    reason = models.CharField(max_length=20)
    returned_units = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "day", "reason"], name="reasonday_unique")]


class ShipmentDay(Rollup):
    """Parcels shipped and lost, by the day their order was placed."""

    carrier = models.ForeignKey("orders.Carrier", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    # Index into desk.dashboard.claims.VALUE_BANDS, in the order's currency.
    band = models.PositiveSmallIntegerField()
    signature = models.BooleanField()
    shipped = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "carrier", "currency", "band", "signature"], name="shipmentday_unique"
            )
        ]


class ClaimDay(Rollup):
    """Claims about a shipment and what their cases cost, by the day the case was opened."""

    carrier = models.ForeignKey("orders.Carrier", on_delete=models.CASCADE, related_name="+")
    claim_type = models.CharField(max_length=30)
    currency = models.CharField(max_length=3, blank=True)
    claims = models.PositiveIntegerField(default=0)
    cost = _money()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "carrier", "claim_type", "currency"], name="claimday_unique"
            )
        ]


class CaseDay(Rollup):
    kind = models.CharField(max_length=10)
    claim_type = models.CharField(max_length=30, blank=True)
    # By the day the case was opened.
    opened = models.PositiveIntegerField(default=0)
    still_open = models.PositiveIntegerField(default=0)
    answered_late = models.PositiveIntegerField(default=0)
    # By the day the case was resolved.
    resolved = models.PositiveIntegerField(default=0)
    resolution_hours = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "kind", "claim_type"], name="caseday_unique")
        ]


class WaitingHour(Rollup):
    """Cases nobody has answered yet, by the day opened and the hour their first answer is due.

    "Overdue" moves with the clock, so the report compares the due hour with now.
    """

    due_hour = models.DateTimeField()
    waiting = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "day", "due_hour"], name="waitinghour_unique")]


class MoneyDay(Rollup):
    """Money out and back, by the day it moved, in one currency."""

    currency = models.CharField(max_length=3, blank=True)
    refunded = _money()
    reshipped = _money()
    recovered = _money()
    chargebacks = _money()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "day", "currency"], name="moneyday_unique")]


# Every table the refresh rebuilds by (shop, day).
ROLLUPS = [ProductDay, ReasonDay, ShipmentDay, ClaimDay, CaseDay, WaitingHour, MoneyDay]
