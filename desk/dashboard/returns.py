"""What comes back: return rates by product, reason and month of sale, and what the returned goods were worth.

Rates count by when the order was placed (a cohort): of the units sold in the
range, how many came back, whenever they came (as returns.selectors.return_rates).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from returns.models import ReturnReason

from ..rollups.models import ProductDay, ReasonDay
from .chart import Chart, money, percent
from .report import Report


def _rate(returned: int, sold: int) -> float | None:
    return round(returned / sold, 4) if sold else None


def returns_by_product(report: Report) -> Chart:
    grouped = (
        ProductDay.objects.filter(**report.in_range())
        .values("shop__name", "sku")
        .annotate(sold=Sum("sold_units"), returned=Sum("returned_units"), title=Max("title"))
        .filter(returned__gt=0)
    )
    rows = [
        [
            row["shop__name"],
            row["sku"],
            row["title"],
            row["sold"],
            row["returned"],
            _rate(row["returned"], row["sold"]),
        ]
        for row in grouped
    ]
    rows.sort(key=lambda r: (r[0], -(r[5] or 0), -r[4], r[1]))
    return Chart(
        "returns_product",
        str(_("Return rate by product")),
        [
            str(_("Shop")),
            str(_("SKU")),
            str(_("Product")),
            str(_("Sold")),
            str(_("Returned")),
            str(_("Rate %")),
        ],
        [[*row[:5], percent(row[5])] for row in rows],
    )


def returns_by_reason(report: Report) -> Chart:
    grouped = (
        ReasonDay.objects.filter(**report.in_range())
        .values("shop__name", "reason")
        .annotate(returned=Sum("returned_units"))
        .filter(returned__gt=0)
    )
    labels = dict(ReturnReason.choices)
    order = {reason: index for index, reason in enumerate(labels)}
    found = sorted(grouped, key=lambda row: (row["shop__name"], order.get(row["reason"], len(order))))
    totals: dict = {}
    for row in found:
        totals[row["shop__name"]] = totals.get(row["shop__name"], 0) + row["returned"]
    rows = [
        [
            row["shop__name"],
            str(labels.get(row["reason"], row["reason"])),
            row["returned"],
            percent(_rate(row["returned"], totals[row["shop__name"]])),
        ]
        for row in found
    ]
    return Chart(
        "returns_reason",
        str(_("Returns by reason")),
        [str(_("Shop")), str(_("Reason")), str(_("Returned")), str(_("Share %"))],
        rows,
    )


def returns_by_month(report: Report) -> Chart:
    grouped = (
        ProductDay.objects.filter(**report.in_range())
        .annotate(month=TruncMonth("day"))
        .values("shop__name", "month")
        .annotate(sold=Sum("sold_units"), returned=Sum("returned_units"))
        .filter(sold__gt=0)
        .order_by("shop__name", "month")
    )
    rows = [
        [
            row["shop__name"],
            f"{row['month']:%Y-%m}",
            row["sold"],
            row["returned"],
            percent(_rate(row["returned"], row["sold"])),
        ]
        for row in grouped
    ]
    months, month = [], report.first.replace(day=1)
    while month <= report.last:
        months.append(f"{month:%Y-%m}")
        month = (month + timedelta(days=32)).replace(day=1)
    return Chart(
        "returns_month",
        str(_("Return rate by month of sale")),
        [str(_("Shop")), str(_("Month")), str(_("Sold")), str(_("Returned")), str(_("Rate %"))],
        rows,
        scale_column=0,
        kind="lines",
        series=[4],
        x_column=1,
        periods=months,
    )


def returns_cost_by_product(report: Report) -> Chart:
    """What returns cost per product: the goods value of what came back and was refunded or exchanged.

    In the currency of the orders, one row per product and currency; returns requested in the range.
    """
    grouped = (
        ProductDay.objects.filter(**report.in_range(), refunded_units__gt=0)
        .values("shop__name", "sku", "currency")
        .annotate(title=Max("title"), units=Sum("refunded_units"), value=Sum("refunded_value"))
        .order_by("-value", "shop__name", "sku")[:50]
    )
    rows = [
        [row["shop__name"], row["sku"], row["title"], row["units"], money(row["value"]), row["currency"]]
        for row in grouped
    ]
    return Chart(
        "returns_cost",
        str(_("Returned goods refunded or exchanged per product")),
        [
            str(_("Shop")),
            str(_("SKU")),
            str(_("Product")),
            str(_("Units")),
            str(_("Value")),
            str(_("Currency")),
        ],
        rows,
        value_column=4,
        scale_column=5,
    )
