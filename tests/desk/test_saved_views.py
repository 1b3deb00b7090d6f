"""Agents save the queue's filters as their own views, or share them with the shop's team."""

import pytest
from django.contrib.auth.models import Group, User

from config.roles import AGENTS
from desk.models import SavedView
from orders.models import Role
from orders.services import membership_grant
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db


def _agent(shop, name):
    user = User.objects.create_user(name, password="x")
    user.groups.add(Group.objects.get(name=AGENTS))
    membership_grant(user=user, shop=shop, role=Role.AGENT)
    return user


def test_an_agent_saves_a_view_and_it_opens_the_same_cases(client, agent, shop, carrier):
    damaged = make_claim(make_order(shop), "damaged").case
    lost = make_claim(make_order(shop), "lost_in_transit").case
    client.force_login(agent)

    response = client.post(
        "/desk/views/save/", {"name": "Transportschäden", "shop": "leinen", "query": "type=damaged&after=xyz&evil=1"}
    )

    view = SavedView.objects.get(user=agent)
    assert view.query == "type=damaged"  # the page cursor and anything unknown are left out
    page = client.get(response["Location"]).content.decode()
    assert damaged.reference in page and lost.reference not in page
    assert "Transportschäden" in client.get("/desk/").content.decode()


def test_a_shared_view_shows_to_the_team_and_a_personal_one_does_not(client, agent, shop, carrier):
    SavedView.objects.create(user=agent, shop=shop, name="Nur meine", query="view=mine")
    SavedView.objects.create(user=agent, shop=shop, name="Fürs Team", query="type=damaged", shared=True)
    client.force_login(_agent(shop, "lina"))

    page = client.get("/desk/").content.decode()

    assert "Fürs Team" in page and "Nur meine" not in page


def test_a_view_without_a_name_is_refused_naming_it_and_nothing_is_saved(client, agent, shop):
    client.force_login(agent)

    response = client.post("/desk/views/save/", {"name": "  ", "shop": "leinen", "query": ""})

    assert response.status_code == 400 and "name" in response.content.decode()
    assert not SavedView.objects.exists()


def test_another_shops_views_stay_out_of_reach(client, agent, swedish_shop):
    stranger = _agent(swedish_shop, "sven")
    view = SavedView.objects.create(user=stranger, shop=swedish_shop, name="Hemligt", query="", shared=True)
    client.force_login(agent)

    assert "Hemligt" not in client.get("/desk/").content.decode()
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 404
    assert client.post("/desk/views/save/", {"name": "x", "shop": "linnestugan"}).status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_colleague_cannot_delete_someone_elses_shared_view(client, agent, shop):
    view = SavedView.objects.create(user=agent, shop=shop, name="Fürs Team", query="", shared=True)
    client.force_login(_agent(shop, "lina"))

    client.post(f"/desk/views/{view.pk}/delete/")

    assert SavedView.objects.filter(pk=view.pk).exists()
