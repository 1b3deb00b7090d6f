"""What the owner reads on the dashboard: where cases pile up and what they cost.

Each chart is a table (columns and rows) so the page draws it as bars or trend
lines and the same data downloads as CSV. Every chart reads the rollups
(desk/rollups), never the raw orders and cases: a query per chart over a few
thousand rows, whatever the number of orders. A CSV download computes only its
own chart.

Money is never added across currencies (one shop sells in EUR, another in
SEK): every money figure is summed per currency, and its row says which.

`cases`, `claims`, `money` and `returns` each draw the charts of their subject;
`chart` is the table they all return, `report` the shops and days they cover.
"""

from __future__ import annotations

from orders.models import Shop

from .cases import cases_over_time, first_response_breaches, open_by_type_and_age, time_to_resolution
from .chart import Chart
from .claims import VALUE_BANDS, claims_by_type_and_carrier, loss_rate_by_carrier_and_value, value_bands
from .money import money_by_period
from .report import RANGES, RangeError, Report, report_for
from .returns import returns_by_month, returns_by_product, returns_by_reason, returns_cost_by_product

__all__ = [
    "CHARTS",
    "RANGES",
    "VALUE_BANDS",
    "Chart",
    "RangeError",
    "Report",
    "all_charts",
    "chart",
    "report_for",
    "value_bands",
]

# In the order the page shows them; the key is the CSV's name.
CHARTS = {
    "cases": cases_over_time,
    "money": money_by_period,
    "open": open_by_type_and_age,
    "breaches": first_response_breaches,
    "claims": claims_by_type_and_carrier,
    "loss": loss_rate_by_carrier_and_value,
    "resolution": time_to_resolution,
    "returns_product": returns_by_product,
    "returns_reason": returns_by_reason,
    "returns_month": returns_by_month,
    "returns_cost": returns_cost_by_product,
}


def _report(shops, **range_) -> Report:
    return report_for(Shop.objects.order_by("name") if shops is None else shops, **range_)


def all_charts(*, shops=None, report: Report | None = None, **range_) -> list[Chart]:
    """Every chart over `shops` (None: every shop) for the range (days=, date_from=, date_to=; default 90 days)."""
    report = report or _report(shops, **range_)
    return [draw(report) for draw in CHARTS.values()]


def chart(key: str, *, shops=None, report: Report | None = None, **range_) -> Chart | None:
    """The one chart with this key, or None."""
    draw = CHARTS.get(key)
    return draw(report or _report(shops, **range_)) if draw else None
