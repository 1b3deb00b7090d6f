"""The queue for a full day: sorted by any column, first words shown, unread replies marked, bulk moves."""

from decimal import Decimal

import pytest

from cases.models import Case, CaseStatus
from cases.services import case_assign
from messaging.mailparse import InboundIn
from messaging.services.inbound import inbound_receive
from tests.factories import make_claim, make_claim_cases, make_order, track

pytestmark = pytest.mark.django_db


def rows(page: str) -> list[str]:
    """The references of the queue's rows, top to bottom."""
    return [row.split("/", 1)[0] for row in page.split('data-href="/desk/cases/')[1:]]


def buyer_writes(case: Case, text: str, n: int = 1) -> None:
    inbound_receive(
        mail=InboundIn(
            from_email=case.buyer.email,
            to=["hilfe@leinen.example"],
            subject=f"Re: {case.reference}",
            text=text,
            references=case.outbound_messages.first().message_id,
            message_id=f"<reply-{case.pk}-{n}@example.de>",
        )
    )


def test_the_queue_sorts_by_value_both_ways(client, agent, shop, carrier):
    cheap, dear, middle = (
        make_claim(make_order(shop, total=total)).case for total in ("20.00", "900.00", "80.00")
    )
    client.force_login(agent)

    assert rows(client.get("/desk/?sort=value").content.decode()) == [
        dear.reference,
        middle.reference,
        cheap.reference,
    ]
    assert rows(client.get("/desk/?sort=-value").content.decode()) == [
        cheap.reference,
        middle.reference,
        dear.reference,
    ]


def test_sorted_pages_lose_and_repeat_no_case(client, agent, shop, carrier):
    cases = make_claim_cases(shop, 30)
    # Ten cases share a value, so the id decides between them across the page break.
    for index, case in enumerate(cases[:20]):
        Case.objects.filter(pk=case.pk).update(order_value=Decimal(10 + index % 2))
    client.force_login(agent)

    first = client.get("/desk/?sort=value")
    second = client.get(f"/desk/?sort=value&after={first.context['page'].next_cursor}")

    seen = [*first.context["page"].cases, *second.context["page"].cases]
    assert len(seen) == 30 and len(set(seen)) == 30
    values = [case.order_value for case in seen]
    assert values == sorted(values, reverse=True)

    first = client.get("/desk/?sort=-value")
    second = client.get(f"/desk/?sort=-value&after={first.context['page'].next_cursor}")
    backwards = [*first.context["page"].cases, *second.context["page"].cases]
    assert backwards == seen[::-1]


def test_the_queue_shows_age_and_the_buyers_first_words(client, agent, shop, carrier):
    order = make_order(shop)
    track(order, "delivered", days_ago=1)
    make_claim(order, opened_via="portal", statement="Die Servietten für die Hochzeit fehlen.")
    client.force_login(agent)

    page = client.get("/desk/").content.decode()

    assert "Die Servietten für die Hochzeit fehlen." in page
    assert '<td class="age">0 min</td>' in page


def test_a_buyers_reply_is_unread_until_the_assignee_opens_the_case(client, agent, shop, carrier):
    order = make_order(shop)
    track(order, "delivered", days_ago=1)
    case = make_claim(order, opened_via="portal").case
    case_assign(case=case, assignee=agent, actor=agent)
    client.force_login(agent)
    client.get(f"/desk/cases/{case.reference}/")
    assert 'data-testid="unread"' not in client.get("/desk/").content.decode()

    buyer_writes(case, "Haben Sie schon etwas gehört?")
    assert 'data-testid="unread"' in client.get("/desk/").content.decode()
    assert rows(client.get("/desk/?sort=last_message").content.decode())[0] == case.reference

    client.get(f"/desk/cases/{case.reference}/")
    assert 'data-testid="unread"' not in client.get("/desk/").content.decode()


def test_bulk_assign_to_a_colleague_and_change_status(client, agent, owner, shop, carrier):
    cases = make_claim_cases(shop, 3)
    client.force_login(agent)
    picked = [c.reference for c in cases[:2]]

    client.post("/desk/bulk/", {"bulk": "assign", "assignee": owner.username, "case": picked})
    client.post("/desk/bulk/", {"bulk": "status", "status": CaseStatus.WAITING_ON_BUYER, "case": picked})

    changed = Case.objects.filter(reference__in=picked)
    assert {c.assignee for c in changed} == {owner}
    assert {c.status for c in changed} == {CaseStatus.WAITING_ON_BUYER}
    assert Case.objects.get(pk=cases[2].pk).assignee is None
    assert changed[0].events.filter(verb="assigned", new=owner.username).exists()


def test_bulk_assign_to_someone_outside_the_shops_is_refused_naming_the_field(
    client, agent, swedish_agent, shop, carrier
):
    [case] = make_claim_cases(shop, 1)
    client.force_login(agent)

    response = client.post(
        "/desk/bulk/", {"bulk": "assign", "assignee": swedish_agent.username, "case": [case.reference]}
    )

    assert response.status_code == 400 and b"assignee" in response.content
    assert Case.objects.get(pk=case.pk).assignee is None


def test_a_search_that_finds_nothing_says_so(client, agent, shop, carrier):
    make_claim_cases(shop, 1)
    client.force_login(agent)

    page = client.get("/desk/?q=Tischläufer").content.decode()

    assert "No case matches “Tischläufer”." in page and "Well done" not in page
