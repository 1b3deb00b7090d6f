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


def all_charts(*, shop=None) -> list[Chart]:
    return [
        open_by_type_and_age(shop=shop),
        first_response_breaches(shop=shop),
        claims_by_type_and_carrier(shop=shop),
        loss_rate_by_carrier_and_value(shop=shop),
        money_by_month(shop=shop),
        time_to_resolution(shop=shop),
        *return_rates(shop=shop),
        returns_cost_by_product(shop=shop),
    ]
