"""The buyer whose parcel will not arrive in time: the portal asks the date, and the case is as urgent as it is near."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import CaseEvent
from claims.models import Claim
from orders.models import Order
from tests.factories import make_order, track

from .conftest import lookup

pytestmark = pytest.mark.django_db


@pytest.fixture
def wedding_order(shop, carrier):
    """Napkins for a wedding, shipped two days ago and on their way."""
    order = make_order(shop, email="lea.krause@example.de", shipped_days_ago=2)
    track(order, "in_transit", days_ago=1, location="Hannover")
    return order


@pytest.fixture
def buyer(client, wedding_order):
    lookup(client, wedding_order, wedding_order.number, "lea.krause@example.de")
    return client


def report_late(client, order, **data):
    return client.post(
        f"/portal/{order.shop.slug}/order/{order.number}/problem/?lang=en",
        {"type": "late_for_needed_by", "statement": "Die Hochzeit ist am Samstag.", **data},
    )


def test_the_problem_form_asks_the_date(buyer, wedding_order):
    page = buyer.get(f"/portal/leinen/order/{wedding_order.number}/problem/?lang=en").content.decode()

    assert 'name="needed_by"' in page
    assert 'type="date"' in page
    assert "The date you need it by" in page


def test_late_for_my_date_with_the_date_makes_an_urgent_case(buyer, wedding_order):
    wedding = timezone.localdate() + timedelta(days=3)

    response = report_late(buyer, wedding_order, needed_by=wedding.isoformat())

    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.select_related("case").get(case__order=wedding_order)
    assert claim.type == "late_for_needed_by"
    assert Order.objects.get(pk=wedding_order.pk).needed_by == wedding
    assert claim.case.needed_by == wedding
    # Three days before the date: the needed-by date alone is worth 30 of the queue's 100.
    assert claim.case.priority >= 30
    assert claim.evidence["days_until_needed"] == 3
    event = CaseEvent.objects.get(case=claim.case, verb="needed_by_changed")
    assert (event.old, event.new, event.data["reason_code"]) == ("", wedding.isoformat(), "buyer_gave_date")


def test_late_for_my_date_without_the_date_is_sent_back_naming_the_field(buyer, wedding_order):
    response = report_late(buyer, wedding_order)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Please tell us the date you need it by." in page
    assert not Claim.objects.filter(case__order=wedding_order).exists()


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "This date has passed; please give a date from today on."),
        (400, "Please give a date within the next year."),
    ],
)
def test_a_date_in_the_past_or_too_far_ahead_is_refused_and_nothing_is_written(
    buyer, wedding_order, days, message
):
    response = buyer.post(
        f"/portal/leinen/order/{wedding_order.number}/problem/?lang=en",
        {
            "type": "late_for_needed_by",
            "needed_by": (timezone.localdate() + timedelta(days=days)).isoformat(),
        },
    )

    form = response.context["form"]
    assert form.errors["needed_by"] == [message]
    assert message in response.content.decode()
    assert not Claim.objects.filter(case__order=wedding_order).exists()
    assert Order.objects.get(pk=wedding_order.pk).needed_by is None


def test_a_date_typed_for_another_problem_is_not_taken(buyer, wedding_order):
    response = buyer.post(
        f"/portal/leinen/order/{wedding_order.number}/problem/",
        {"type": "lost_in_transit", "needed_by": (timezone.localdate() + timedelta(days=2)).isoformat()},
    )

    assert response.status_code == 302
    assert Order.objects.get(pk=wedding_order.pk).needed_by is None


def test_a_new_date_on_a_second_report_moves_the_case_with_a_timeline_entry(buyer, wedding_order):
    first = timezone.localdate() + timedelta(days=20)
    sooner = timezone.localdate() + timedelta(days=2)
    report_late(buyer, wedding_order, needed_by=first.isoformat())
    case = Claim.objects.get(case__order=wedding_order).case
    calm = case.priority

    again = report_late(buyer, wedding_order, needed_by=sooner.isoformat())

    assert again.status_code == 302 and again["Location"].endswith("?again=1")
    case.refresh_from_db()
    assert case.needed_by == sooner
    assert case.priority > calm
    event = CaseEvent.objects.filter(case=case, verb="needed_by_changed").last()
    assert (event.old, event.new) == (first.isoformat(), sooner.isoformat())
    assert event.data["reason_code"] == "buyer_gave_date"
