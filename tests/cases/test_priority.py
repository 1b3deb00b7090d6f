"""A case's priority: what makes it urgent, and for how long."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from cases.priority import case_priority


def _case(needed_by):
    return SimpleNamespace(
        status="new",
        needed_by=needed_by,
        first_responded_at=None,
        first_response_due=None,
        order_value=Decimal("0"),
        currency="EUR",
    )


def test_a_needed_by_date_long_past_no_longer_makes_a_case_urgent():
    today = date.today()

    assert case_priority(_case(today - timedelta(days=1))) == 30
    assert case_priority(_case(today - timedelta(days=40))) == 0
