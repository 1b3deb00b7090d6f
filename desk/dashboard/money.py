"""What claims cost and what carriers paid back, period by period."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from ..rollups.models import MoneyDay
from .chart import Chart, money
from .periods import all_periods, label, period_of
from .report import Report


def money_by_period(report: Report) -> Chart:
    grouped = (
        MoneyDay.objects.filter(**report.in_range())
        .annotate(period=period_of(report))
        .values("period", "currency")
        .annotate(
            refunded=Sum("refunded"),
            reshipped=Sum("reshipped"),
            recovered=Sum("recovered"),
            chargebacks=Sum("chargebacks"),
        )
        .order_by("currency", "period")
    )
    # A period with EUR and SEK is two rows: money is never added across currencies.
    rows = [
        [
            label(report, row["period"]),
            money(row["refunded"]),
            money(row["reshipped"]),
            money(row["recovered"]),
            money(row["chargebacks"]),
            row["currency"],
        ]
        for row in grouped
    ]
    return Chart(
        "money",
        str(_("Refunded and reshipped against recovered")),
        [
            report.period_label,
            str(_("Refunded")),
            str(_("Reshipped")),
            str(_("Recovered")),
            str(_("Chargebacks lost")),
            str(_("Currency")),
        ],
        rows,
        value_column=1,
        scale_column=5,
        kind="lines",
        series=[1, 2, 3, 4],
        periods=all_periods(report),
    )
