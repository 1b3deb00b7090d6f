"""What goes wrong with parcels: claims per carrier and type, and losses by carrier, order value and signature."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimType

from ..rollups.build import VALUE_BANDS, value_bands
from ..rollups.models import ClaimDay, ShipmentDay
from .chart import Chart, money
from .report import Report

__all__ = ["VALUE_BANDS", "claims_by_type_and_carrier", "loss_rate_by_carrier_and_value", "value_bands"]


def _band_label(low: Decimal, high: Decimal | None, currency: str) -> str:
    def amount(value: Decimal) -> str:
        return f"{value.normalize():f}"

    return f"{amount(low)}–{amount(high)} {currency}" if high is not None else f"{amount(low)}+ {currency}"


def claims_by_type_and_carrier(report: Report) -> Chart:
    type_labels = dict(ClaimType.choices)
    grouped = (
        ClaimDay.objects.filter(**report.in_range())
        .values("carrier__name", "claim_type", "currency")
        .annotate(n=Sum("claims"), cost=Sum("cost"))
        .order_by("-n", "currency", "carrier__name", "claim_type")
    )
    # One row per currency as well: a carrier that serves both shops has EUR and SEK claims.
    rows = [
        [
            row["carrier__name"],
            str(type_labels.get(row["claim_type"], row["claim_type"])),
            row["n"],
            money(row["cost"]),
            row["currency"],
        ]
        for row in grouped
    ]
    return Chart(
        "claims",
        str(_("Claims by carrier and type")),
        [str(_("Carrier")), str(_("Type")), str(_("Claims")), str(_("Cost")), str(_("Currency"))],
        rows,
        value_column=2,
    )


def loss_rate_by_carrier_and_value(report: Report) -> Chart:
    """Lost and not-received parcels per 100 shipped, by carrier, value band and signature (orders placed in range).

    The evidence behind "ship orders above X with signature":
    if signed parcels above a value are rarely claimed, the surcharge pays.
    """
    grouped = (
        ShipmentDay.objects.filter(**report.in_range())
        .values("currency", "band", "carrier__name", "signature")
        .annotate(shipped=Sum("shipped"), lost=Sum("lost"))
        .order_by("currency", "band", "carrier__name", "signature")
    )
    rows = []
    for row in grouped:
        rate = round(100 * row["lost"] / row["shipped"], 1) if row["shipped"] else 0.0
        rows.append(
            [
                row["carrier__name"],
                _band_label(*value_bands(row["currency"])[row["band"]], row["currency"]),
                str(_("yes")) if row["signature"] else str(_("no")),
                row["shipped"],
                row["lost"],
                rate,
            ]
        )
    return Chart(
        "loss",
        str(_("Lost or not received per 100 parcels")),
        [
            str(_("Carrier")),
            str(_("Order value")),
            str(_("Signature")),
            str(_("Shipped")),
            str(_("Lost / not received")),
            str(_("Per 100")),
        ],
        rows,
    )
