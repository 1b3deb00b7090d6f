"""SLA deadlines in the shop's business hours: opening hours, time zone, holidays, paused while the buyer is asked."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from cases.choices import ClaimType
from cases.models import Case, CaseEvent, CaseStatus, ClosedDay, OpeningHours, SlaPolicy
from cases.services import case_mark_responded, case_move
from cases.sla import case_sla_refresh, sla_recompute_shop
from cases.verbs import Verb
from tests.factories import NAPKINS, make_claim, make_order

BERLIN = ZoneInfo("Europe/Berlin")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def office_hours(shop, opens=time(8), closes=time(17), weekdays=range(5)):
    OpeningHours.objects.bulk_create(
        OpeningHours(shop=shop, weekday=day, opens=opens, closes=closes) for day in weekdays
    )


def claim_opened_at(shop, moment: datetime, type=ClaimType.DAMAGED) -> Case:
    """A claim opened through the service, then dated back to `moment` and measured again."""
    case = make_claim(make_order(shop, lines=[dict(NAPKINS, quantity=1)]), type).case
    Case.objects.filter(pk=case.pk).update(opened_at=moment)
    case.refresh_from_db()
    case_sla_refresh(case)
    case.refresh_from_db()
    return case


def status_changed_at(case: Case, to: str, moment: datetime) -> Case:
    """Move the case through the service, then date the move back to `moment` and measure again."""
    case_move(case=case, to=to)
    CaseEvent.objects.filter(case=case, verb=Verb.STATUS_CHANGED, new=to).update(at=moment)
    case.refresh_from_db()
    case_sla_refresh(case)
    case.refresh_from_db()
    return case


@pytest.fixture
def berlin_shop(shop):
    office_hours(shop)
    SlaPolicy.objects.create(shop=shop, case_type="", first_response_hours=8, resolution_hours=45)
    return shop


def test_case_opened_friday_evening_is_due_monday_afternoon(berlin_shop):
    case = claim_opened_at(berlin_shop, datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN))

    assert case.first_response_due == datetime(2026, 12, 7, 16, 0, tzinfo=BERLIN)
    # 45 business hours: five days of nine hours, Monday 8:00 to Friday 17:00.
    assert case.resolution_due == datetime(2026, 12, 11, 17, 0, tzinfo=BERLIN)


def test_case_opened_friday_evening_is_not_overdue_on_saturday(berlin_shop):
    case = claim_opened_at(berlin_shop, datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN))

    saturday_morning = datetime(2026, 12, 5, 9, 0, tzinfo=BERLIN)
    assert case.first_response_due > saturday_morning
    assert not Case.objects.filter(pk=case.pk, first_response_due__lt=saturday_morning).exists()


def test_german_christmas_holidays_do_not_count(berlin_shop):
    # Wednesday 23 Dec 16:00: one hour that day; Christmas Eve is a working day in Germany.
    case = claim_opened_at(berlin_shop, datetime(2026, 12, 23, 16, 0, tzinfo=BERLIN))
    assert case.first_response_due == datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN)

    # Opened on Christmas Eve afternoon: the 25th and 26th are public holidays, the 27th a Sunday.
    case = claim_opened_at(berlin_shop, datetime(2026, 12, 24, 16, 0, tzinfo=BERLIN))
    assert case.first_response_due == datetime(2026, 12, 28, 15, 0, tzinfo=BERLIN)


def test_shop_closed_day_counts_like_a_holiday(berlin_shop):
    ClosedDay.objects.create(shop=berlin_shop, date=datetime(2026, 12, 24).date(), name="Heiligabend")

    case = claim_opened_at(berlin_shop, datetime(2026, 12, 23, 16, 0, tzinfo=BERLIN))

    # One hour on the 23rd, then closed 24th–27th: seven more hours on Monday the 28th.
    assert case.first_response_due == datetime(2026, 12, 28, 15, 0, tzinfo=BERLIN)


def test_swedish_midsummer_eve_does_not_count(swedish_shop):
    office_hours(swedish_shop)
    SlaPolicy.objects.create(shop=swedish_shop, case_type="", first_response_hours=8)

    # Thursday 18 June 2026 at 16:00 in Stockholm; Friday is midsommarafton, Saturday midsommardagen.
    case = claim_opened_at(swedish_shop, datetime(2026, 6, 18, 16, 0, tzinfo=STOCKHOLM))

    assert case.first_response_due == datetime(2026, 6, 22, 15, 0, tzinfo=STOCKHOLM)


def test_clock_stops_while_waiting_on_buyer(berlin_shop):
    case = claim_opened_at(berlin_shop, datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN))
    assert case.first_response_due == datetime(2026, 12, 7, 17, 0, tzinfo=BERLIN)

    case = status_changed_at(case, CaseStatus.WAITING_ON_BUYER, datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN))
    # Paused: nothing is due, so the case cannot be overdue while the buyer has the next move.
    assert case.first_response_due is None
    assert case.resolution_due is None

    case = status_changed_at(case, CaseStatus.IN_PROGRESS, datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN))
    # One hour was used on Monday; seven remain from Tuesday 10:00.
    assert case.first_response_due == datetime(2026, 12, 8, 17, 0, tzinfo=BERLIN)


def test_policy_for_a_case_type_overrides_the_shop_default(berlin_shop):
    SlaPolicy.objects.create(shop=berlin_shop, case_type=ClaimType.WRONG_ITEM, first_response_hours=2)
    opened = datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)

    wrong_item = claim_opened_at(berlin_shop, opened, type=ClaimType.WRONG_ITEM)
    damaged = claim_opened_at(berlin_shop, opened, type=ClaimType.DAMAGED)

    assert wrong_item.first_response_due == datetime(2026, 12, 7, 11, 0, tzinfo=BERLIN)
    assert damaged.first_response_due == datetime(2026, 12, 7, 17, 0, tzinfo=BERLIN)


def test_claim_opens_with_its_type_policy(berlin_shop):
    SlaPolicy.objects.create(shop=berlin_shop, case_type=ClaimType.LOST_IN_TRANSIT, first_response_hours=1000)

    case = make_claim(
        make_order(berlin_shop, lines=[dict(NAPKINS, quantity=1)]), ClaimType.LOST_IN_TRANSIT
    ).case

    # A thousand business hours is half a year away: the type's policy was used from the start.
    assert (case.first_response_due - case.opened_at).days > 150


def test_shop_without_policy_or_hours_keeps_the_global_setting(shop, settings):
    settings.POSTSALE_FIRST_RESPONSE_HOURS = 24

    case = claim_opened_at(shop, datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN))

    assert case.first_response_due == datetime(2026, 12, 5, 18, 0, tzinfo=BERLIN)
    assert case.resolution_due is None


def test_policy_edit_recomputes_open_cases(berlin_shop):
    case = claim_opened_at(berlin_shop, datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN))
    answered = claim_opened_at(berlin_shop, datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN))
    case_mark_responded(answered, now=datetime(2026, 12, 7, 12, 0, tzinfo=BERLIN))

    SlaPolicy.objects.filter(shop=berlin_shop).update(first_response_hours=4)
    call_command("sla_recompute", shop=berlin_shop.slug)

    case.refresh_from_db()
    answered.refresh_from_db()
    assert case.first_response_due == datetime(2026, 12, 7, 13, 0, tzinfo=BERLIN)
    # The first answer went out: it stays measured against the deadline it had.
    assert answered.first_response_due == datetime(2026, 12, 7, 17, 0, tzinfo=BERLIN)
    assert sla_recompute_shop(berlin_shop) == 0
