"""The queue: who may see it, what it finds, how it pages, and what its bulk actions may do."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.utils import timezone, translation

from cases.choices import ClaimType
from cases.models import Case, CaseStatus
from claims.services import DisputeIn
from desk.templatetags.desk_tags import due_in
from messaging.models import BuyerEvent, OutboundMessage
from orders.models import Membership, Role
from tests.factories import (
    NAPKINS,
    log_in,
    make_claim,
    make_claim_cases,
    make_order,
    make_return,
    return_line,
    track,
)

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login_and_a_buyer_account_is_refused(client, db):
    assert client.get("/desk/").status_code == 302
    User.objects.create_user("buyer", password="buyer")
    log_in(client, "buyer", "buyer")
    assert client.get("/desk/").status_code == 403


@pytest.mark.parametrize("count", [1, 20])
def test_queue_runs_the_same_queries_for_1_and_20_cases(
    client, agent, shop, carrier, count, django_assert_num_queries
):
    make_claim_cases(shop, count)
    client.force_login(agent)
    client.get("/desk/")  # the first visit stores the desk language and the view counts (cached 30 s)
    # session, user (permissions come from the cache after the first visit), the ids of the user's
    # shops, the menus in one round trip (shops, carriers, tags, saved views, macros, the people to
    # assign the selected cases to), the page of cases with order, buyer, assignee and claim joined
    # (its ids from one ordered scan per shop, merged; the parcel's carrier and when the assignee
    # last saw each, subqueries), and which colleagues have a case of the page open.
    # SQLite reads the six menus one query each.
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 11):
        response = client.get("/desk/")
    assert response.status_code == 200
    assert response.content.decode().count('data-href="/desk/cases/') == count


def test_queue_filters_by_type_and_finds_by_tracking_number(client, agent, shop, carrier):
    damaged = make_claim_cases(shop, 2)
    [lost] = make_claim_cases(shop, 1, ClaimType.DELIVERED_NOT_RECEIVED)
    client.force_login(agent)

    page = client.get("/desk/?type=delivered_not_received").content.decode()
    assert lost.reference in page and damaged[0].reference not in page

    tracking = lost.order.shipments.first().tracking_number
    page = client.get(f"/desk/?q={tracking}").content.decode()
    assert lost.reference in page and damaged[1].reference not in page


def test_queue_finds_a_return_by_its_rma(client, agent, shop, carrier):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    request = make_return(order, return_line(order, reason="too_small"))
    other = make_claim_cases(shop, 1)[0]
    client.force_login(agent)

    page = client.get(f"/desk/?q={request.rma}").content.decode()

    assert request.case.reference in page and other.reference not in page


def test_queue_pages_by_key_without_losing_or_repeating_cases(client, agent, shop, carrier):
    cases = make_claim_cases(shop, 30)
    client.force_login(agent)
    first = client.get("/desk/")
    seen = set(first.context["page"].cases)
    cursor = first.context["page"].next_cursor
    assert len(seen) == 25 and cursor
    second = client.get(f"/desk/?after={cursor}")
    assert set(second.context["page"].cases).isdisjoint(seen)
    assert len(seen | set(second.context["page"].cases)) == len(cases)
    assert second.context["page"].next_cursor is None


def test_bulk_assign_puts_the_selected_cases_on_me(client, agent, shop, carrier):
    cases = make_claim_cases(shop, 3)
    client.force_login(agent)
    client.post("/desk/bulk/", {"bulk": "assign_me", "case": [c.reference for c in cases[:2]]})
    assert set(Case.objects.filter(assignee=agent).values_list("reference", flat=True)) == {
        c.reference for c in cases[:2]
    }


def test_bulk_actions_never_send_the_agent_to_another_site(client, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1)
    client.force_login(agent)

    response = client.post(
        "/desk/bulk/", {"bulk": "assign_me", "case": [case.reference], "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/desk/"


def test_a_case_whose_return_is_on_its_way_is_not_closed_in_bulk(client, agent, napkins_sent_back):
    request = napkins_sent_back  # label issued: the parcel is coming back
    client.force_login(agent)

    response = client.post("/desk/bulk/", {"bulk": "close", "case": [request.case.reference]}, follow=True)

    request.case.refresh_from_db()
    assert request.case.status != CaseStatus.CLOSED
    assert request.rma in response.content.decode()
    assert not OutboundMessage.objects.filter(case=request.case, event=BuyerEvent.FEEDBACK_REQUEST).exists()


@pytest.fixture
def onlooker(shop):
    """Someone of the shop who may look at cases but not change them (a shop system's login, a trainee)."""
    user = User.objects.create_user("onlooker", password="onlooker")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="view_case"))
    # A membership without the Agents group that membership_grant would add.
    Membership.objects.create(user=user, shop=shop, role=Role.AGENT)
    return user


@pytest.mark.parametrize("action", ["close", "assign_me"])
def test_bulk_actions_are_refused_to_who_may_only_look(client, onlooker, shop, carrier, action):
    cases = make_claim_cases(shop, 2)
    client.force_login(onlooker)
    assert client.get("/desk/").status_code == 200

    response = client.post("/desk/bulk/", {"bulk": action, "case": [c.reference for c in cases]})

    assert response.status_code == 403
    assert list(Case.objects.values_list("status", "assignee")) == [(CaseStatus.NEW, None)] * 2


def test_the_queue_offers_bulk_actions_only_to_who_may_change_cases(client, onlooker, agent, shop, carrier):
    make_claim_cases(shop, 1)
    client.force_login(onlooker)
    looked = client.get("/desk/").content.decode()
    client.force_login(agent)
    worked = client.get("/desk/").content.decode()

    assert 'value="close"' not in looked
    assert 'value="close"' in worked


def test_an_agent_sees_searches_and_counts_only_their_shops_cases(
    client, swedish_agent, shop, swedish_shop, carrier
):
    leinen = make_claim_cases(shop, 2)
    [own] = make_claim_cases(swedish_shop, 1)
    leinen_email = leinen[0].buyer.email
    client.force_login(swedish_agent)

    page = client.get("/desk/")
    searched = client.get("/desk/", {"q": leinen_email}).content.decode()
    filtered = client.get("/desk/", {"shop": shop.slug}).content.decode()

    assert [case.reference for case in page.context["page"].cases] == [own.reference]
    assert page.context["counts"]["all"] == "1"
    assert "Leinen" not in page.content.decode()  # not even in the shop menu
    assert not any(case.reference in searched + filtered for case in leinen)


def test_bulk_close_passes_over_another_shops_cases(client, swedish_agent, shop, carrier):
    [leinen] = make_claim_cases(shop, 1)
    client.force_login(swedish_agent)

    client.post("/desk/bulk/", {"bulk": "close", "case": [leinen.reference]})
    client.post("/desk/bulk/", {"bulk": "assign_me", "case": [leinen.reference]})

    leinen.refresh_from_db()
    assert (leinen.status, leinen.assignee) == (CaseStatus.NEW, None)


def test_the_queue_row_shows_a_disputes_respond_by_and_puts_it_first(client, agent, shop, carrier):
    make_claim_cases(shop, 2)
    order = make_order(shop, total="40.00")
    respond_by = timezone.now() + timedelta(hours=50)
    dispute = make_claim(
        order,
        ClaimType.CHARGEBACK,
        dispute=DisputeIn(provider="paypal", reference="PP-D-1", respond_by=respond_by),
    ).case
    client.force_login(agent)

    response = client.get("/desk/")
    page = response.content.decode()
    with translation.override(response.headers.get("Content-Language", "en")):
        two_days = due_in(respond_by)

    rows = page.split('data-href="/desk/cases/')[1:]
    assert rows[0].startswith(dispute.reference)
    cell = rows[0].split('<td class="respond-by">', 1)[1].split("</td>", 1)[0]
    assert two_days in cell
    # Cases without a deadline show a dash in that column.
    assert rows[1].split('<td class="respond-by">', 1)[1].startswith("–")


def test_the_view_counts_follow_an_assignment_at_once(client, agent, shop, carrier):
    from desk.queue import view_counts

    case = make_claim(make_order(shop), "damaged").case
    client.force_login(agent)
    before = view_counts(user=agent)  # cached for half a minute unless a case changes

    client.post(f"/desk/cases/{case.reference}/assign-me/")

    after = view_counts(user=agent)
    assert int(after["mine"]) == int(before["mine"]) + 1
    assert int(after["unassigned"]) == int(before["unassigned"]) - 1


def test_the_view_counts_stop_at_their_cap(
    client, agent, shop, carrier, monkeypatch, django_assert_num_queries
):
    from desk import queue

    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    make_claim_cases(shop, 3)
    client.force_login(agent)

    with django_assert_num_queries(1):  # the six views' counts in one round trip
        counts = queue.view_counts(user=agent)

    assert counts["all"] == "2+" and counts["unassigned"] == "2+"
    assert counts["mine"] == "0" and counts["escalated"] == "0"
    assert "2+" in client.get("/desk/").content.decode()
