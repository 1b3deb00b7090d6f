"""The owner's team page: agents added, limited and removed without the Django superuser, for their own shops only."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User

from cases.approvals import refund_limit_for
from cases.models import RefundLimit
from config.roles import AGENTS
from orders.models import Membership, Role
from orders.services import membership_grant
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db
TEAM = "/desk/team/"
STRONG = "Leinen-Sommer-2026!"


def _agent_of(shop, username="lina"):
    user = User.objects.create_user(username=username, password=STRONG)
    user.groups.add(Group.objects.get(name=AGENTS))
    membership_grant(user=user, shop=shop, role=Role.AGENT)
    return user


def test_an_owner_adds_a_new_agent_who_can_log_in_and_work_the_shop(client, owner, shop):
    client.force_login(owner)

    response = client.post(
        "/desk/team/add/",
        {"shop": "leinen", "username": "jonas", "email": "jonas@leinen.example", "password": STRONG},
    )

    assert response.status_code == 302
    page = client.get(TEAM).content.decode()
    assert "jonas@leinen.example" in page and "is now an agent of Leinen &amp; Liebe" in page
    jonas = User.objects.get(username="jonas")
    assert Membership.objects.get(user=jonas, shop=shop).role == Role.AGENT
    assert refund_limit_for(user=jonas, shop=shop) == Decimal(
        "0"
    )  # nothing given back until the owner says so
    client.logout()
    logged_in = client.post("/accounts/login/", {"username": "jonas", "password": STRONG})
    assert logged_in.status_code == 302
    assert client.get("/desk/").status_code == 200


def test_a_weak_password_is_refused_by_name_and_nobody_is_created(client, owner, shop):
    client.force_login(owner)

    response = client.post("/desk/team/add/", {"shop": "leinen", "username": "jonas", "password": "1234"})

    assert response.status_code == 400
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(username="jonas").exists()


def test_someone_of_another_owners_shop_cannot_be_picked_by_name(client, owner, shop, swedish_shop):
    stranger = _agent_of(swedish_shop, "sven")
    client.force_login(owner)

    response = client.post("/desk/team/add/", {"shop": "leinen", "username": "sven", "password": STRONG})

    assert response.status_code == 400 and "exists already" in response.content.decode()
    assert not Membership.objects.filter(user=stranger, shop=shop).exists()


def test_the_owner_sets_an_agents_limit_and_daily_total(client, owner, shop):
    lina = _agent_of(shop)
    membership = Membership.objects.get(user=lina, shop=shop)
    client.force_login(owner)

    response = client.post(
        f"/desk/team/members/{membership.pk}/limit/", {"amount": "120,50", "daily_amount": "300"}
    )

    assert response.status_code == 302
    assert refund_limit_for(user=lina, shop=shop) == Decimal("120.50")
    assert RefundLimit.objects.get(user=lina, shop=shop).daily_amount == Decimal("300")
    row = client.get(TEAM).content.decode().split(f'id="member-{membership.pk}"')[1].split("</tr>")[0]
    assert 'value="120.50"' in row and 'value="300.00"' in row


@pytest.mark.parametrize("amount", ["-5", "zwölf", "1e9", "10.005"])
def test_a_wrong_limit_is_refused_next_to_its_form_and_changes_nothing(client, owner, shop, amount):
    lina = _agent_of(shop)
    membership = Membership.objects.get(user=lina, shop=shop)
    client.force_login(owner)

    response = client.post(f"/desk/team/members/{membership.pk}/limit/", {"amount": amount})

    assert response.status_code == 400
    row = response.content.decode().split(f'id="member-{membership.pk}"')[1].split("</tr>")[0]
    assert 'class="errorlist"' in row and "Enter an amount" in row
    assert not RefundLimit.objects.filter(user=lina).exists()


def test_an_owner_cannot_touch_another_shops_agents(client, owner, shop, swedish_shop):
    sven = _agent_of(swedish_shop, "sven")
    membership = Membership.objects.get(user=sven, shop=swedish_shop)
    client.force_login(owner)

    assert client.post(f"/desk/team/members/{membership.pk}/limit/", {"amount": "9999"}).status_code == 404
    assert client.post(f"/desk/team/members/{membership.pk}/remove/").status_code == 404
    assert (
        client.post(
            "/desk/team/add/", {"shop": "linnestugan", "username": "x", "password": STRONG}
        ).status_code
        == 404
    )
    assert "sven" not in client.get(TEAM).content.decode()
    assert Membership.objects.filter(user=sven, shop=swedish_shop).exists()
    assert not RefundLimit.objects.filter(user=sven).exists()


def test_agents_do_not_manage_the_team(client, agent, shop):
    lina = _agent_of(shop)
    membership = Membership.objects.get(user=lina, shop=shop)
    client.force_login(agent)

    assert client.get(TEAM).status_code == 403
    assert client.post(f"/desk/team/members/{membership.pk}/limit/", {"amount": "9999"}).status_code == 403
    assert not RefundLimit.objects.filter(user=lina).exists()


def test_a_removed_agents_open_cases_go_back_to_the_queue(client, owner, shop, carrier):
    lina = _agent_of(shop)
    case = make_claim(make_order(shop), "damaged").case
    case.assignee = lina
    case.save(update_fields=["assignee"])
    membership = Membership.objects.get(user=lina, shop=shop)
    client.force_login(owner)

    response = client.post(f"/desk/team/members/{membership.pk}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(user=lina, shop=shop).exists()
    case.refresh_from_db()
    assert case.assignee is None
