"""The owners' approvals inbox: what an agent may not give back waits there, and one click settles it."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User

from cases.models import Approval, CaseStatus, Refund, RefundLimit
from claims.services import claim_resolve
from config.roles import AGENTS, OWNERS
from orders.models import Role
from orders.services import membership_grant
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, make_claim, make_order, track

pytestmark = pytest.mark.django_db
INBOX = "/desk/approvals/"


@pytest.fixture
def agents_may_give_50(db):
    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("50"))


@pytest.fixture
def held(shop, carrier, agent, agents_may_give_50):
    """Four sets of napkins (99.60 + 5.90), damaged; the agent refunds 80 EUR, above their 50."""
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)])
    track(order, "delivered", days_ago=2)
    case = make_claim(order).case
    result = claim_resolve(
        case=case, action="refund", amount=Decimal("80.00"), actor=agent, reason="Alle vier Sets fleckig."
    )
    assert result.escalated_for_limit
    return Approval.objects.get(case=case)


def approve(client, approval):
    return client.post(f"{INBOX}{approval.pk}/approve/", follow=True)


def test_a_refund_above_the_agents_limit_waits_in_the_owners_inbox(client, owner, held, agent):
    client.force_login(owner)
    page = client.get(INBOX).content.decode()

    assert held.case.reference in page and "80.00" in page
    assert "Alle vier Sets fleckig." in page and agent.get_username() in page
    assert held.case.status == CaseStatus.ESCALATED and not Refund.objects.exists()


def test_one_click_approves_the_refund_as_the_owner(client, owner, held):
    client.force_login(owner)

    response = approve(client, held)

    assert "Approved" in response.content.decode()
    [refund] = Refund.objects.filter(case=held.case)
    assert refund.amount == Decimal("80.00") and refund.created_by == owner
    held.refresh_from_db()
    assert (held.status, held.decided_by) == ("approved", owner)
    held.case.refresh_from_db()
    assert held.case.status == CaseStatus.RESOLVED
    assert held.case.events.filter(verb="approval_granted", actor=owner).count() == 1
    # It left the inbox.
    assert held.case.reference not in client.get(INBOX).content.decode().split("Decided lately")[0]


def test_a_second_click_makes_no_second_refund(client, owner, held):
    client.force_login(owner)
    approve(client, held)

    again = approve(client, held)

    assert "already decided" in again.content.decode()
    assert Refund.objects.filter(case=held.case).count() == 1


@row_locks
def test_two_owners_approving_at_once_make_one_refund(shop, carrier, agent, agents_may_give_50):
    from desk.approvals import approval_approve

    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)])
    case = make_claim(order).case
    claim_resolve(case=case, action="refund", amount=Decimal("80.00"), actor=agent)
    approval = Approval.objects.get(case=case)
    owners = []
    for name in ("ines", "ole"):
        user = User.objects.create_user(name, password="x")
        user.groups.add(Group.objects.get(name=OWNERS))
        membership_grant(user=user, shop=shop, role=Role.OWNER)
        owners.append(user)

    outcomes = run_at_once(*(lambda who=who: approval_approve(pk=approval.pk, actor=who) for who in owners))

    assert sum(isinstance(outcome, Approval) for outcome in outcomes) == 1
    assert Refund.objects.filter(case=case).count() == 1


def test_declining_sends_the_case_back_to_the_agent_with_the_reason(client, owner, held, agent):
    client.force_login(owner)

    client.post(f"{INBOX}{held.pk}/decline/", {"note": "Erst Fotos anfordern, dann entscheiden."})

    held.refresh_from_db()
    case = held.case
    case.refresh_from_db()
    assert held.status == "declined" and held.note == "Erst Fotos anfordern, dann entscheiden."
    assert case.status == CaseStatus.IN_PROGRESS and case.assignee == agent
    assert not Refund.objects.exists()
    assert case.events.get(verb="approval_declined").data["reason"] == "Erst Fotos anfordern, dann entscheiden."


def test_declining_without_a_reason_is_refused_and_changes_nothing(client, owner, held):
    client.force_login(owner)

    response = client.post(f"{INBOX}{held.pk}/decline/", {"note": "  "}, follow=True)

    assert "Say why" in response.content.decode()
    held.refresh_from_db()
    assert held.status == "pending"


def test_an_owner_who_refunds_on_the_case_page_empties_the_inbox_too(client, owner, held):
    claim_resolve(case=held.case, action="partial_refund", amount=Decimal("60.00"), actor=owner)

    held.refresh_from_db()
    assert held.status == "approved"
    client.force_login(owner)
    assert f'id="approval-{held.pk}"' not in client.get(INBOX).content.decode()


def test_a_case_closed_meanwhile_withdraws_its_approval(owner, held):
    from cases.services import case_move

    case_move(case=held.case, to=CaseStatus.CLOSED, actor=owner, reason="Käuferin hat storniert.")

    held.refresh_from_db()
    assert held.status == "withdrawn"


def test_an_agent_cannot_approve_what_waits_for_their_owner(client, agent, held):
    """The attack: the agent who asked posts the approve form themselves."""
    client.force_login(agent)

    assert client.get(INBOX).status_code == 403
    assert client.post(f"{INBOX}{held.pk}/approve/").status_code == 403
    assert not Refund.objects.exists()


def test_another_shops_owner_cannot_see_or_approve_it(client, swedish_owner, held):
    client.force_login(swedish_owner)

    assert held.case.reference not in client.get(INBOX).content.decode()
    assert client.post(f"{INBOX}{held.pk}/approve/").status_code == 404
    assert client.post(f"{INBOX}{held.pk}/decline/", {"note": "nej"}).status_code == 404
    held.refresh_from_db()
    assert held.status == "pending" and not Refund.objects.exists()


def test_asking_again_replaces_the_waiting_amount(agent, held):
    claim_resolve(case=held.case, action="refund", amount=Decimal("90.00"), actor=agent)

    [approval] = Approval.objects.filter(case=held.case)
    assert approval.amount == Decimal("90.00") and approval.status == "pending"
