"""What comes back: return rates by product, reason and month of sale, and what the returned goods were worth."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import DecimalField, ExpressionWrapper, F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import InvoiceReduction
from orders.models import Shop
from returns import selectors as return_selectors
from returns.models import ReturnLine

from .chart import Chart, money, percent


def return_rates(*, shops=None, now=None) -> list[Chart]:
    """Return rates of the last 12 months: by product, by reason, and by month."""
    now = now or timezone.now()
    by_product, by_reason, by_month = [], [], []
    for one in Shop.objects.order_by("name") if shops is None else shops:
        data = return_selectors.return_rates(
            shop=one, date_from=(now - timedelta(days=365)).date(), date_to=now.date()
        )
        by_product += [
            [one.name, row["sku"], row["title"], row["sold"], row["returned"], percent(row["rate"])]
            for row in data["by_product"]
            if row["returned"]
        ]
        by_reason += [
            [one.name, row["label"], row["returned"], percent(row["share"])]
            for row in data["by_reason"]
            if row["returned"]
        ]
        by_month += [
            [one.name, row["month"], row["sold"], row["returned"], percent(row["rate"])]
            for row in data["by_month"]
        ]
    return [
        Chart(
            "returns_product",
            str(_("Return rate by product, last 12 months")),
            [
                str(_("Shop")),
                str(_("SKU")),
                str(_("Product")),
                str(_("Sold")),
                str(_("Returned")),
                str(_("Rate %")),
            ],
            by_product,
        ),
        Chart(
            "returns_reason",
            str(_("Returns by reason, last 12 months")),
            [str(_("Shop")), str(_("Reason")), str(_("Returned")), str(_("Share %"))],
            by_reason,
        ),
        Chart(
            "returns_month",
            str(_("Return rate by month of sale")),
            [str(_("Shop")), str(_("Month")), str(_("Sold")), str(_("Returned")), str(_("Rate %"))],
            by_month,
        ),
    ]


def returns_cost_by_product(*, shops=None, days=365, now=None) -> Chart:
    """What returns cost per product: the goods value of what came back and was refunded or exchanged.

    In the currency of the orders, one row per product and currency.
    """
    now = now or timezone.now()
    lines = ReturnLine.objects.filter(
        request__created_at__gte=now - timedelta(days=days), accepted_quantity__gt=0
    ).exclude(
        # An unpaid order's return only took the goods off the buyer's invoice: no money moved.
        request__refund__isnull=True,
        request__case__in=InvoiceReduction.objects.values("case"),
    )
    if shops is not None:
        lines = lines.filter(request__order__shop__in=shops)
    value = ExpressionWrapper(
        F("accepted_quantity") * F("order_line__unit_price"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    rows = [
        [
            row["order_line__order__shop__name"],
            row["order_line__sku"],
            row["title"],
            row["units"],
            money(row["value"]),
            row["order_line__order__currency"],
        ]
        for row in lines.values(
            "order_line__order__shop__name", "order_line__sku", "order_line__order__currency"
        )
        .annotate(title=Max("order_line__title"), units=Sum("accepted_quantity"), value=Sum(value))
        .order_by("-value")[:50]
    ]
    return Chart(
        "returns_cost",
        str(_("Returned goods refunded or exchanged per product, last 12 months")),
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
