"""What the owner reads on the dashboard: where cases pile up and what they cost.

Each chart is a table (columns and rows) so the page draws it as bars and the
same data downloads as CSV. Aggregation happens in the database.

Money is never added across currencies (one shop sells in EUR, another in
SEK): every money figure is summed per currency, and its row says which.

`cases`, `claims`, `money` and `returns` each draw the charts of their subject;
`chart` is the table they all return.
"""

from __future__ import annotations

from .cases import first_response_breaches, open_by_type_and_age, time_to_resolution
from .chart import Chart
from .claims import VALUE_BANDS, claims_by_type_and_carrier, loss_rate_by_carrier_and_value, value_bands
from .money import money_by_month
from .returns import return_rates, returns_cost_by_product

__all__ = ["VALUE_BANDS", "Chart", "all_charts", "value_bands"]


def all_charts(*, shops=None) -> list[Chart]:
    """Every chart over `shops` (a list or queryset of shops; None: every shop)."""
    return [
        open_by_type_and_age(shops=shops),
        first_response_breaches(shops=shops),
        claims_by_type_and_carrier(shops=shops),
        loss_rate_by_carrier_and_value(shops=shops),
        money_by_month(shops=shops),
        time_to_resolution(shops=shops),
        *return_rates(shops=shops),
        returns_cost_by_product(shops=shops),
    ]
