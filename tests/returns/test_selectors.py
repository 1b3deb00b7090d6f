"""Return rates by product, reason and month: returned units over sold units."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from returns import services
from returns.selectors import return_rates
from tests.factories import NAPKINS, TABLECLOTH, make_order, make_return

pytestmark = pytest.mark.django_db


def test_return_rate_by_product(history):
    rates = return_rates(shop=history, date_from=date(2026, 1, 1), date_to=date(2026, 2, 28))

    assert (rates["sold_units"], rates["returned_units"]) == (8, 2)
    by_sku = {row["sku"]: row for row in rates["by_product"]}
    assert (by_sku[NAPKINS["sku"]]["sold"], by_sku[NAPKINS["sku"]]["returned"]) == (7, 2)
    assert by_sku[NAPKINS["sku"]]["rate"] == round(2 / 7, 4)
    assert by_sku[TABLECLOTH["sku"]]["rate"] == 0


def test_return_rate_by_reason(history):
    rates = return_rates(shop=history, date_from=date(2026, 1, 1), date_to=date(2026, 2, 28))

    by_reason = {row["reason"]: row for row in rates["by_reason"]}
    assert by_reason["too_small"]["returned"] == 1
    assert by_reason["damaged"]["share"] == 0.5
    assert by_reason["wrong_item"]["returned"] == 0


def test_return_rate_by_month_of_the_sale(history):
    rates = return_rates(shop=history, date_from=date(2026, 1, 1), date_to=date(2026, 2, 28))

    assert rates["by_month"] == [
        {"month": "2026-01", "sold": 4, "returned": 2, "rate": 0.5},
        {"month": "2026-02", "sold": 4, "returned": 0, "rate": 0.0},
    ]


def test_the_period_limits_the_orders_counted(history):
    rates = return_rates(shop=history, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))

    assert (rates["sold_units"], rates["returned_units"]) == (4, 0)


def test_exchange_orders_are_not_sales(shop, carrier):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=1)])
    request = make_return(order, resolution="exchange")
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    services.return_inspect(rma=request.rma, lines=[services.InspectLine(NAPKINS["sku"], 1, "as_new")])

    today = timezone.localdate()
    rates = return_rates(shop=shop, date_from=today - timedelta(days=30), date_to=today)

    assert (rates["sold_units"], rates["returned_units"]) == (1, 1)


def test_the_number_of_queries_does_not_grow_with_the_orders(shop, carrier):
    # sold by product, returned by product, by reason, sold by month, returned by month.
    def count():
        with CaptureQueriesContext(connection) as queries:
            return_rates(shop=shop, date_from=date(2020, 1, 1), date_to=timezone.localdate())
        return len(queries)

    make_order(shop)
    one = count()
    for index in range(10):
        order = make_order(shop, email=f"buyer{index}@example.de")
        make_return(order)

    assert count() == one == 5
