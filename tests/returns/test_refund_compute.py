"""refund = accepted quantities × unit price − restocking fees − return fee, as a table."""

from decimal import Decimal

import pytest

from cases.refunds import add_business_days
from returns.services import RefundLine, refund_compute

FREE = {
    "free_returns": True,
    "return_fee": "4.95",
    "restocking_percent": {"as_new": 0, "opened": 10, "used": 20, "damaged": 50},
}
PAID = {**FREE, "free_returns": False}


@pytest.mark.parametrize(
    ("lines", "terms", "goods", "restocking", "fee", "amount"),
    [
        pytest.param([("24.90", 2, "as_new")], FREE, "49.80", "0.00", "0.00", "49.80", id="free-as-new"),
        pytest.param([("24.90", 2, "as_new")], PAID, "49.80", "0.00", "4.95", "44.85", id="paid-return"),
        pytest.param([("24.90", 1, "opened")], FREE, "24.90", "2.49", "0.00", "22.41", id="opened-10pct"),
        pytest.param([("24.90", 1, "used")], PAID, "24.90", "4.98", "4.95", "14.97", id="used-20pct-paid"),
        pytest.param([("89.00", 1, "damaged")], FREE, "89.00", "44.50", "0.00", "44.50", id="damaged-50pct"),
        pytest.param(
            [("24.90", 2, "as_new"), ("89.00", 1, "used")],
            PAID,
            "138.80",
            "17.80",
            "4.95",
            "116.05",
            id="mixed",
        ),
        pytest.param(
            [("24.90", 0, "damaged")], PAID, "0.00", "0.00", "0.00", "0.00", id="nothing-accepted-no-fee"
        ),
        pytest.param(
            [("3.00", 1, "as_new")], PAID, "3.00", "0.00", "3.00", "0.00", id="fee-never-below-zero"
        ),
        pytest.param([("0.05", 1, "opened")], FREE, "0.05", "0.01", "0.00", "0.04", id="half-cent-rounds-up"),
        pytest.param(
            [("10.00", 1, "used")],
            {"free_returns": False, "return_fee": "1.00", "restocking_percent": {"used": 100}},
            "10.00",
            "10.00",
            "0.00",
            "0.00",
            id="full-restocking-no-fee-left",
        ),
    ],
)
def test_refund_amount(lines, terms, goods, restocking, fee, amount):
    result = refund_compute(
        lines=[RefundLine(Decimal(price), quantity, condition) for price, quantity, condition in lines],
        terms=terms,
    )

    assert (result.goods, result.restocking_fee, result.return_fee, result.amount) == (
        Decimal(goods),
        Decimal(restocking),
        Decimal(fee),
        Decimal(amount),
    )


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-03-02", 5, "2026-03-09"),  # Monday + 5 business days = next Monday
        ("2026-03-06", 1, "2026-03-09"),  # Friday + 1 = Monday
        ("2026-03-07", 1, "2026-03-09"),  # Saturday + 1 = Monday
        ("2026-03-04", 0, "2026-03-04"),
    ],
)
def test_expected_refund_date_counts_business_days(start, days, expected):
    from datetime import date

    assert add_business_days(date.fromisoformat(start), days) == date.fromisoformat(expected)
