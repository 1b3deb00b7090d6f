"""The SLA in the desk: the queue's Overdue view, the dashboard and the case page read the same stored deadlines."""

import csv
import html
import io
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import Case, CaseEvent, CaseStatus, OpeningHours, SlaPolicy
from cases.services import case_mark_responded, case_move
from cases.sla import case_sla_refresh
from tests.factories import NAPKINS, make_claim, make_order

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
REFERENCE = re.compile(r"C-\d{4}-\d{6}")


def claim_opened(shop, opened_at: datetime) -> Case:
    case = make_claim(make_order(shop, lines=[dict(NAPKINS, quantity=1)]), ClaimType.DAMAGED).case
    Case.objects.filter(pk=case.pk).update(opened_at=opened_at)
    case.refresh_from_db()
    case_sla_refresh(case)
    case.refresh_from_db()
    return case


@pytest.fixture
def office_shop(shop):
    OpeningHours.objects.bulk_create(
        OpeningHours(shop=shop, weekday=day, opens=time(8), closes=time(17)) for day in range(5)
    )
    SlaPolicy.objects.create(shop=shop, case_type="", first_response_hours=8, resolution_hours=45)
    return shop


def text_of(page: str, testid: str) -> str:
    """The text of the element with this data-testid, tags dropped and white space folded."""
    match = re.search(rf'data-testid="{testid}">(.*?)</span>', page, re.S)
    assert match, testid
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1)))).strip()


def overdue_view_references(client) -> set[str]:
    response = client.get("/desk/?view=overdue")
    assert response.status_code == 200
    return set(REFERENCE.findall(response.content.decode()))


def dashboard_overdue_count(client) -> int:
    rows = list(csv.reader(io.StringIO(client.get("/desk/dashboard/breaches.csv").content.decode())))
    return int(dict(rows[1:])["Still waiting, overdue"])


def test_dashboard_counts_the_first_answers_the_overdue_view_lists(
    client, owner, office_shop, swedish_shop, carrier
):
    long_ago = timezone.now() - timedelta(days=10)
    late = [claim_opened(office_shop, long_ago), claim_opened(office_shop, long_ago - timedelta(days=40))]
    answered = claim_opened(office_shop, long_ago)
    case_mark_responded(answered)
    closed_unanswered = claim_opened(office_shop, long_ago)
    case_move(case=closed_unanswered, to=CaseStatus.CLOSED)
    # Asked the buyer within the first hour; the buyer has not answered since: the clock stands still.
    waiting = claim_opened(office_shop, long_ago)
    case_move(case=waiting, to=CaseStatus.WAITING_ON_BUYER)
    CaseEvent.objects.filter(case=waiting, new=CaseStatus.WAITING_ON_BUYER).update(
        at=long_ago + timedelta(hours=1)
    )
    case_sla_refresh(waiting)
    claim_opened(office_shop, timezone.now())  # not due yet
    claim_opened(swedish_shop, long_ago)  # another shop's, not the owner's
    client.force_login(owner)

    listed = overdue_view_references(client)

    assert listed == {case.reference for case in late}
    assert dashboard_overdue_count(client) == len(listed) == 2


def test_case_page_shows_the_deadlines_in_the_shops_time(client, agent, office_shop, carrier):
    case = claim_opened(office_shop, datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN))
    client.force_login(agent)

    page = client.get(f"/desk/cases/{case.reference}/").content.decode()

    # Friday 18:00 with eight business hours: Monday 16:00 in Berlin (15:00 UTC), whatever the format.
    first = text_of(page, "first-response-due")
    assert first.startswith("First answer due") and re.search(r"\b(16:00|4 p\.m\.)", first)
    # 45 business hours: Friday 11 December at 17:00 in Berlin.
    assert re.search(r"\b(17:00|5 p\.m\.)", text_of(page, "resolution-due"))
    assert "Europe/Berlin" in page


def test_case_waiting_on_buyer_shows_the_clock_paused(client, agent, office_shop, carrier):
    case = claim_opened(office_shop, timezone.now())
    case_move(case=case, to=CaseStatus.WAITING_ON_BUYER)
    client.force_login(agent)

    response = client.get(f"/desk/cases/{case.reference}/")

    assert "SLA clock paused: waiting on the buyer" in response.content.decode()
    assert response.content.decode().count('data-testid="resolution-due"') == 0
