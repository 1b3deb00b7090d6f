"""The owner's reports: what buyers rated and wrote, and how each agent worked, for their shops only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import Case
from messaging.models import FeedbackRating
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db
REPORTS = "/desk/reports/"


def rated(shop, rating, *, comment="", assignee=None, claim_type=ClaimType.DAMAGED, hours=(2, 30)):
    case = make_claim(make_order(shop), claim_type).case
    opened = timezone.now() - timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(
        assignee=assignee,
        opened_at=opened,
        first_responded_at=opened + timedelta(hours=hours[0]),
        resolved_at=opened + timedelta(hours=hours[1]),
    )
    FeedbackRating.objects.create(case=case, rating=rating, comment=comment)
    return case


def test_the_owner_reads_csat_by_agent_and_type_with_the_buyers_words(client, owner, agent, shop, carrier):
    rated(shop, 5, assignee=agent, comment="Schnell und freundlich, danke!")
    rated(shop, 4, assignee=agent)
    rated(shop, 1, claim_type=ClaimType.LOST_IN_TRANSIT, comment="Eine Woche keine Antwort.")
    client.force_login(owner)

    page = client.get(REPORTS).content.decode()

    assert "67 % satisfied (4 or 5 stars) of 3 ratings" in page
    by_agent = page.split('id="csat-by-agent"')[1].split("</table>")[0]
    assert agent.get_username() in by_agent and "100 %" in by_agent and "nobody assigned" in by_agent
    by_type = page.split('id="csat-by-type"')[1].split("</table>")[0]
    assert "Damaged" in by_type and "Lost in transit" in by_type
    assert "Schnell und freundlich, danke!" in page and "Eine Woche keine Antwort." in page


def test_the_agent_report_gives_cases_resolved_and_average_times(client, owner, agent, shop, carrier):
    rated(shop, 5, assignee=agent, hours=(2, 30))
    rated(shop, 3, assignee=agent, hours=(4, 50))
    client.force_login(owner)

    page = client.get(REPORTS).content.decode()

    report = page.split('id="agent-report"')[1]
    row = report.split(f"<td>{agent.get_username()}</td>")[1].split("</tr>")[0]
    assert ">2<" in row and "3 h 00 min" in row and "40 h 00 min" in row


def test_another_shops_ratings_are_not_in_the_report(client, owner, swedish_shop, carrier):
    rated(swedish_shop, 1, comment="Helt oacceptabelt")
    client.force_login(owner)

    page = client.get(REPORTS).content.decode()

    assert "Helt oacceptabelt" not in page and "No buyer rated the help" in page


def test_agents_do_not_read_the_owners_reports(client, agent):
    client.force_login(agent)

    assert client.get(REPORTS).status_code == 403


def test_ratings_older_than_the_period_are_left_out(client, owner, shop, carrier):
    case = rated(shop, 2, comment="Vor langer Zeit")
    FeedbackRating.objects.filter(case=case).update(rated_at=timezone.now() - timedelta(days=40))
    client.force_login(owner)

    assert "Vor langer Zeit" not in client.get(REPORTS).content.decode()
    assert "Vor langer Zeit" in client.get(REPORTS, {"days": 90}).content.decode()


def test_the_owner_sees_what_became_of_the_tagged_cases(client, owner, shop, swedish_shop, carrier):
    from cases.tags import case_tag

    refunded = make_claim(make_order(shop), ClaimType.LOST_IN_TRANSIT, decide=True).case
    waiting = make_claim(make_order(shop), ClaimType.LOST_IN_TRANSIT, decide=True).case
    for case in (refunded, waiting):
        case_tag(case=case, name="Influencer", actor=owner)
    case_tag(case=make_claim(make_order(swedish_shop)).case, name="influencer-se", actor=owner)
    client.force_login(owner)
    # The owner refunds against the matrix's recommendation of waiting for the carrier.
    response = client.post(
        f"/desk/cases/{refunded.reference}/act/",
        {"action": "refund", "amount": "20.00", "reason": "Kulanz für die Influencerin"},
    )
    assert response.status_code == 302

    page = client.get(REPORTS).content.decode()

    report = page.split('id="tag-report"')[1].split("</section>")[0]
    row = report.split("influencer</a>")[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
    assert cells == ["2", "1", "20.00 EUR", "1 of 2"]
    assert "influencer-se" not in report  # another shop's tag
