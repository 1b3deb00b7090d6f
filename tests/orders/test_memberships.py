"""Who works for which shop: granted and revoked from scripts, an integration user kept to one shop."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from cases import services as cases
from orders.models import Membership, Role
from orders.services import membership_grant
from tests.concurrency import row_locks, run_at_once
from tests.factories import make_claim_cases

pytestmark = pytest.mark.django_db


def grant_cmd(*args) -> str:
    out = io.StringIO()
    call_command("grant_shop_access", *args, stdout=out)
    return out.getvalue()


def revoke_cmd(*args) -> str:
    out = io.StringIO()
    call_command("revoke_shop_access", *args, stdout=out)
    return out.getvalue()


def test_grant_makes_a_user_an_agent_of_the_shop_and_is_safe_to_repeat(shop):
    lena = User.objects.create_user("lena")

    first = grant_cmd("lena", "leinen", "--role", "agent")
    again = grant_cmd("lena", "leinen", "--role", "agent")

    assert first == again == "lena is agent of Leinen & Liebe (leinen).\n"
    assert list(Membership.objects.values_list("user__username", "shop__slug", "role")) == [
        ("lena", "leinen", "agent")
    ]
    assert lena.groups.filter(name="Agents").exists()


def test_grant_owner_opens_the_admin_to_them(shop):
    User.objects.create_user("olga")

    grant_cmd("olga", "leinen", "--role", "owner")

    olga = User.objects.get(username="olga")
    assert olga.is_staff and olga.groups.filter(name="Owners").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["nobody", "leinen", "--role", "agent"], "No user 'nobody'."),
        (["agent", "nowhere", "--role", "agent"], "No shop with slug 'nowhere'."),
    ],
)
def test_grant_with_an_unknown_user_or_shop_fails_with_status_1(agent, args, message):
    with pytest.raises(CommandError, match=message) as failure:
        grant_cmd(*args)
    assert failure.value.returncode == 1


def test_grant_refuses_a_second_shop_to_an_integration_user(integration, swedish_shop):
    with pytest.raises(CommandError, match="belongs to exactly one shop") as failure:
        grant_cmd("shopsystem", "linnestugan", "--role", "integration")

    assert failure.value.returncode == 1
    assert list(Membership.objects.filter(user=integration).values_list("shop__slug", flat=True)) == [
        "leinen"
    ]


def test_an_integration_user_cannot_become_an_agent_anywhere(integration, shop, swedish_shop):
    for target in (shop, swedish_shop):
        with pytest.raises(ValidationError, match="integration user"):
            membership_grant(user=integration, shop=target, role=Role.AGENT)


def test_an_agent_of_a_shop_cannot_become_an_integration_user(agent, shop):
    membership_grant(user=agent, shop=shop, role=Role.AGENT)
    with pytest.raises(ValidationError, match="integration user"):
        membership_grant(user=agent, shop=shop, role=Role.INTEGRATION)


@row_locks
def test_two_grants_racing_still_leave_an_integration_user_in_one_shop(shop, swedish_shop):
    robot = User.objects.create_user("robot")

    outcomes = run_at_once(
        lambda: membership_grant(user=robot, shop=shop, role=Role.INTEGRATION),
        lambda: membership_grant(user=robot, shop=swedish_shop, role=Role.INTEGRATION),
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Membership", "ValidationError"]
    assert Membership.objects.filter(user=robot).count() == 1


def test_revoke_ends_the_membership_and_frees_the_agents_open_cases(agent, shop, carrier):
    [case] = make_claim_cases(shop, 1)
    cases.case_assign(case=case, assignee=agent, actor=agent)

    out = revoke_cmd("agent", "leinen")

    assert out == "agent is no longer a member of Leinen & Liebe (leinen).\n"
    assert not Membership.objects.filter(user=agent).exists()
    case.refresh_from_db()
    assert case.assignee is None
    assert case.events.filter(verb="assigned", old="agent", new="").exists()


def test_revoking_what_was_never_granted_changes_nothing_and_succeeds(agent, swedish_shop):
    out = revoke_cmd("agent", "linnestugan")

    assert out == "agent was not a member of Linnestugan (linnestugan); nothing to do.\n"
    assert Membership.objects.filter(user=agent).count() == 1


def test_revoke_with_an_unknown_user_fails_with_status_1(shop):
    with pytest.raises(CommandError, match="No user 'nobody'.") as failure:
        revoke_cmd("nobody", "leinen")
    assert failure.value.returncode == 1
