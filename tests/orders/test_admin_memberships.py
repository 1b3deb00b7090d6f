"""Owners add agents to their shops in the admin, and only to their shops."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from cases import services as cases
from orders.models import Membership, Role
from tests.factories import make_claim_cases

pytestmark = pytest.mark.django_db

# The admin's address, written out: reverse() at import would load the URLs before the test settings.
ADD = "/admin/orders/membership/add/"


def test_an_owner_adds_a_new_agent_who_then_works_the_shops_cases(client, owner, shop, carrier):
    [case] = make_claim_cases(shop, 1)
    client.force_login(owner)

    response = client.post(
        ADD,
        {
            "shop": shop.pk,
            "role": "agent",
            "username": "lena",
            "email": "lena@leinen.example",
            "password": "Hafer-1987-x",
        },
    )

    assert response.status_code == 302
    lena = User.objects.get(username="lena")
    assert Membership.objects.get(user=lena).role == Role.AGENT
    assert lena.groups.filter(name="Agents").exists() and not lena.is_staff
    client.force_login(lena)
    assert case.reference in client.get("/desk/").content.decode()


def test_an_owner_cannot_make_anyone_an_owner(client, owner, shop):
    client.force_login(owner)

    response = client.post(
        ADD, {"shop": shop.pk, "role": "owner", "username": "mallory", "password": "Hafer-1987-x"}
    )

    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="mallory").exists()


def test_an_owner_cannot_add_to_another_shop_nor_pull_in_its_people(
    client, owner, shop, swedish_shop, swedish_agent
):
    client.force_login(owner)

    into_other_shop = client.post(
        ADD, {"shop": swedish_shop.pk, "role": "agent", "username": "mallory", "password": "Hafer-1987-x"}
    )
    their_agent = client.post(ADD, {"shop": shop.pk, "role": "agent", "username": swedish_agent.username})

    assert "Select a valid choice" in into_other_shop.content.decode()
    assert "A user with this name exists already" in their_agent.content.decode()
    assert list(Membership.objects.filter(user=swedish_agent).values_list("shop__slug", flat=True)) == [
        "linnestugan"
    ]


def test_an_owner_sees_only_their_shops_people(client, owner, agent, swedish_agent):
    client.force_login(owner)

    page = client.get(reverse("admin:orders_membership_changelist")).content.decode()

    assert "agent" in page and swedish_agent.username not in page


def test_removing_an_agent_sends_their_open_cases_back_to_the_queue(client, owner, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1)
    cases.case_assign(case=case, assignee=agent, actor=agent)
    membership = Membership.objects.get(user=agent, shop=shop)
    client.force_login(owner)

    response = client.post(reverse("admin:orders_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee is None
    assert case.events.filter(verb="assigned", old="agent", new="", actor=owner).exists()
    client.force_login(agent)
    assert client.get(f"/desk/cases/{case.reference}/").status_code == 404


def test_an_owner_cannot_remove_a_fellow_owner(client, owner, shop, grant):
    partner = User.objects.create_user("partner")
    membership = grant(partner, shop, Role.OWNER)
    client.force_login(owner)

    client.post(reverse("admin:orders_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert Membership.objects.filter(pk=membership.pk).exists()
