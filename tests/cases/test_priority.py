"""A case's priority: what makes it urgent, and for how long."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cases.models import Case
from cases.priority import case_priority
from cases.services import case_mark_responded, cases_reprioritise
from claims.services import DisputeIn
from tests.factories import make_claim, make_order


def _case(needed_by):
    return SimpleNamespace(
        status="new",
        needed_by=needed_by,
        respond_by=None,
        first_responded_at=None,
        first_response_due=None,
        order_value=Decimal("0"),
        currency="EUR",
    )


def test_a_needed_by_date_long_past_no_longer_makes_a_case_urgent():
    today = date.today()

    assert case_priority(_case(today - timedelta(days=1))) == 30
    assert case_priority(_case(today - timedelta(days=40))) == 0


def _dispute(shop, hours_left: float, *, number: str):
    order = make_order(shop, number=number, total="40.00")
    respond_by = timezone.now() + timedelta(hours=hours_left)
    return make_claim(
        order,
        "chargeback",
        dispute=DisputeIn(provider="stripe", reference=f"dp_{number}", respond_by=respond_by),
    ).case


def _busiest_case_without_a_date(shop) -> Case:
    """The most a case without a date, a deadline or an escalation scores: first answer overdue, 1,000 EUR."""
    order = make_order(shop, number="BIG-1", total="1500.00")
    case = make_claim(order, "damaged").case
    Case.objects.filter(pk=case.pk).update(first_response_due=timezone.now() - timedelta(hours=1))
    cases_reprioritise()
    case.refresh_from_db()
    return case


@pytest.mark.django_db
def test_a_dispute_due_within_72_hours_outranks_every_case_without_urgency(shop, carrier):
    busiest = _busiest_case_without_a_date(shop)
    dispute = _dispute(shop, 30, number="D-30")

    assert dispute.respond_by is not None
    assert dispute.priority > busiest.priority
    # The queue's order: the dispute comes first.
    assert Case.objects.first() == dispute


@pytest.mark.django_db
def test_the_dispute_stays_urgent_after_the_first_answer(shop, carrier):
    busiest = _busiest_case_without_a_date(shop)
    dispute = _dispute(shop, 30, number="D-31")

    case_mark_responded(dispute)
    dispute.refresh_from_db()

    assert dispute.first_responded_at is not None
    assert dispute.priority > busiest.priority


@pytest.mark.django_db
def test_a_dispute_becomes_urgent_as_its_deadline_comes_within_72_hours(shop, carrier):
    dispute = _dispute(shop, 100, number="D-100")
    assert dispute.priority < 45

    cases_reprioritise(now=timezone.now() + timedelta(hours=40))
    dispute.refresh_from_db()

    assert dispute.priority >= 45
