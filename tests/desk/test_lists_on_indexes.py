"""The queue and the cases API list any statuses, closed ones too, in order, from an index.

The plans are read with PostgreSQL's sequential scans and sorts priced out of reach
(`enable_seqscan`, `enable_sort` off): the planner then sorts only when no index gives
the order. On a table of a few rows it would otherwise scan and sort whatever the
indexes, which says nothing about a million cases.
"""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as cases
from cases.choices import ClaimType
from cases.models import Case, CaseStatus
from desk import queue
from orders import tenancy
from orders.models import Carrier
from tests.factories import make_claim_cases

pytestmark = [
    pytest.mark.django_db,
    # EXPLAIN plans and the merged per-shop scans are PostgreSQL's; SQLite (the laptop) sorts its few rows.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="index plans are PostgreSQL's"),
]

EVERY_STATUS = "&".join(f"status={status}" for status in CaseStatus.values)


@pytest.fixture
def mixed_cases(shop, carrier, agent):
    """Seven claims: three still open, two resolved, two closed, one of each assigned to the agent."""
    made = make_claim_cases(shop, 5) + make_claim_cases(shop, 2, ClaimType.LOST_IN_TRANSIT)
    for case in made[3:5]:
        cases.case_move(case=case, to=CaseStatus.RESOLVED, actor=agent)
    for case in made[5:]:
        cases.case_move(case=case, to=CaseStatus.CLOSED, actor=agent)
    cases.case_assign(case=made[0], assignee=agent, actor=agent)
    cases.case_assign(case=made[5], assignee=agent, actor=agent)
    return made


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    return plan


def _sorts(plan: str) -> list[str]:
    """Plan nodes that sort or de-duplicate rows (not Merge Append's "Sort Key", nor a lookup's own)."""
    nodes = [line.strip().removeprefix("->  ") for line in plan.splitlines()]
    return [
        node for node in nodes if node.startswith(("Sort  (", "Incremental Sort", "Unique", "HashAggregate"))
    ]


def _queue(agent, query: str, *, size: int = 25, cursor: str | None = None) -> queue.QueuePage:
    shops = {shop.pk: shop for shop in tenancy.shops_of(agent)}
    return queue.queue_page(
        queue.QueueFilters.from_query(QueryDict(query)),
        user=agent,
        shops=shops,
        carriers={carrier.pk: carrier for carrier in Carrier.objects.all()},
        cursor=cursor,
        size=size,
    )


def _urgency_order(cases_):
    # Cases without a due time (paused, or settled) come last within their priority: NULLS LAST.
    return sorted(
        cases_,
        key=lambda c: (-c.priority, c.first_response_due is None, c.first_response_due or timezone.now(), c.pk),
    )


def test_the_queue_pages_through_every_status_closed_cases_included_in_urgency_order(agent, mixed_cases):
    seen, cursor = [], None
    while True:
        page = _queue(agent, EVERY_STATUS, size=2, cursor=cursor)
        seen += page.cases
        cursor = page.next_cursor
        if cursor is None:
            break

    assert [c.pk for c in seen] == [c.pk for c in _urgency_order(Case.objects.all())]
    assert {c.status for c in seen} == {CaseStatus.NEW, CaseStatus.RESOLVED, CaseStatus.CLOSED}


def test_the_queue_with_resolved_and_closed_ticked_shows_only_those(agent, mixed_cases):
    page = _queue(agent, "status=resolved&status=closed")

    assert [c.pk for c in page.cases] == [c.pk for c in _urgency_order(mixed_cases[3:])]


@pytest.mark.parametrize(
    "query",
    [
        "",
        EVERY_STATUS,
        "status=resolved&status=closed",
        "status=escalated&assignee=none",
        f"type=lost_in_transit&carrier=dhl&{EVERY_STATUS}",
        "type=damaged",
        "type=chargeback&status=escalated",
        f"shop=leinen&kind=claim&{EVERY_STATUS}",
        "view=mine",
        f"assignee=agent&{EVERY_STATUS}",
        "view=overdue&language=de",
    ],
)
def test_every_queue_filter_reads_an_index_in_the_queue_order_without_sorting(
    agent, swedish_shop, grant, mixed_cases, query
):
    grant(agent, swedish_shop)  # two shops: the page merges one scan per shop and status
    agent = type(agent).objects.get(pk=agent.pk)
    shops = {shop.pk: shop for shop in tenancy.shops_of(agent)}
    filters = queue.QueueFilters.from_query(QueryDict(query))
    cursor = queue.encode_cursor(_urgency_order(mixed_cases)[0])
    for after in (None, cursor):
        # The page's ids: what PostgreSQL reads from the table (the joins and the final sort see 26 rows).
        plan = _plan(*queue.page_ids(filters, user=agent, shops=shops, cursor=after, limit=26))
        assert _sorts(plan) == [], plan


def test_the_cases_api_lists_several_statuses_newest_first_without_distinct(agent_api, mixed_cases):
    with CaptureQueriesContext(connection) as queries:
        response = agent_api.get("/api/v1/cases/?status=new&status=closed")

    assert response.status_code == 200
    listed = [case["reference"] for case in response.json()["results"]]
    expected = Case.objects.filter(status__in=["new", "closed"]).order_by("-id")
    assert listed == [case.reference for case in expected]
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=new&status=closed",
        "status=escalated&type=damaged",
        "open=false&shop=leinen",
        "assignee=agent",
    ],
)
def test_every_cases_api_filter_reads_an_index_newest_first_without_sorting(agent_api, mixed_cases, query):
    with CaptureQueriesContext(connection) as queries:
        assert agent_api.get(f"/api/v1/cases/?{query}").status_code == 200
    [listing] = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + listing)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert _sorts(plan) == [], plan
