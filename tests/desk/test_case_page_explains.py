"""The case page explains itself: why the priority is what it is, how far the buyer's date is, what a closed case offers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, CaseStatus
from tests.factories import TABLECLOTH, make_claim, make_order

pytestmark = pytest.mark.django_db


def _page(client, case) -> str:
    return client.get(f"/desk/cases/{case.reference}/").content.decode()


def test_the_priority_says_what_raised_it(client, agent, shop, carrier):
    needed = timezone.localdate() + timedelta(days=5)
    order = make_order(shop, lines=[dict(TABLECLOTH, quantity=3)], needed_by=needed.isoformat())
    case = make_claim(order, "lost_in_transit").case
    client.force_login(agent)

    head = _page(client, case).split('class="priority-why"')[1].split("</span>")[0]

    assert f"priority {Case.objects.get(pk=case.pk).priority}" in head
    assert "the buyer needs the goods by" in head and "an order worth 250 EUR or more" in head


def test_a_date_that_has_passed_reads_days_ago_and_a_closed_case_offers_no_assignment(
    client, agent, shop, carrier
):
    order = make_order(shop, needed_by=(timezone.localdate() + timedelta(days=10)).isoformat())
    case = make_claim(order, "lost_in_transit").case
    Case.objects.filter(pk=case.pk).update(
        needed_by=timezone.localdate() - timedelta(days=6), status=CaseStatus.CLOSED
    )
    client.force_login(agent)

    page = _page(client, case)

    assert "in -6" not in page and "−6 days" not in page
    assert "Assign to me" not in page
    open_case = make_claim(make_order(shop), "damaged").case
    Case.objects.filter(pk=open_case.pk).update(needed_by=timezone.localdate() - timedelta(days=6))
    assert "6 days ago" in _page(client, open_case)


def test_dates_read_day_first_in_english_and_times_in_the_shops_time_zone(client, agent, shop, carrier):
    shop.time_zone = "Europe/Helsinki"
    shop.save(update_fields=["time_zone"])
    order = make_order(shop, needed_by="2026-12-10")
    case = make_claim(order, "lost_in_transit").case
    opened = timezone.make_aware(timezone.datetime(2026, 12, 1, 15, 30), timezone=timezone.get_fixed_timezone(0))
    Case.objects.filter(pk=case.pk).update(opened_at=opened)
    client.force_login(agent)

    page = _page(client, case)

    assert "10 Dec 2026" in page and "12/10/2026" not in page and "Dec. 10, 2026" not in page
    assert "opened 1 Dec 2026, 17:30" in page  # 15:30 UTC is 17:30 in Helsinki
