"""Money back: never more than was paid, once per idempotency key, on business days."""

from datetime import date
from decimal import Decimal

import pytest

from cases.models import Refund
from cases.refunds import add_business_days, refund_issue
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, make_claim, make_order


@row_locks
def test_concurrent_refunds_never_exceed_what_was_paid(shop, carrier, superuser):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], total="105.50")
    cases = [make_claim(order).case for _ in range(4)]

    outcomes = run_at_once(
        *[
            (
                lambda c=c, i=i: refund_issue(
                    case=c, amount=Decimal("40.00"), idempotency_key=f"r-{i}", actor=superuser
                )
            )
            for i, c in enumerate(cases)
        ]
    )

    refunded = sum(r.amount for r in Refund.objects.filter(order=order))
    assert refunded <= Decimal("105.50")
    assert refunded == Decimal("80.00")
    assert sum(isinstance(o, Refund) for o in outcomes) == 2


@row_locks
def test_same_idempotency_key_twice_at_once_refunds_once(shop, carrier, superuser):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], total="105.50")
    case = make_claim(order).case

    outcomes = run_at_once(
        lambda: refund_issue(case=case, amount=Decimal("20.00"), idempotency_key="same", actor=superuser),
        lambda: refund_issue(case=case, amount=Decimal("20.00"), idempotency_key="same", actor=superuser),
    )

    assert all(isinstance(o, Refund) for o in outcomes), outcomes
    assert Refund.objects.filter(order=order).count() == 1


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
    assert add_business_days(date.fromisoformat(start), days) == date.fromisoformat(expected)
