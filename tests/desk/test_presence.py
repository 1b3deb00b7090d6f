"""Collision awareness: colleagues on the same case are seen, and a reply written against old news is held back."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from config.roles import AGENTS
from desk.models import CasePresence
from messaging.models import BuyerEvent, OutboundMessage
from messaging.services import agent_reply
from orders.models import Role
from orders.services import membership_grant
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def lina(shop):
    user = User.objects.create_user("lina", first_name="Lina", last_name="Berg", password="x")
    user.groups.add(Group.objects.get(name=AGENTS))
    membership_grant(user=user, shop=shop, role=Role.AGENT)
    return user


@pytest.fixture
def case(shop, carrier):
    return make_claim(make_order(shop), "damaged").case


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_agent_sees_a_colleague_who_has_the_case_open_and_when_they_type(agent, lina, case):
    url = f"/desk/cases/{case.reference}/presence/"
    mine, hers = _as(agent), _as(lina)

    assert "has this case open" not in mine.post(url).content.decode()
    hers.post(url)
    assert "Lina Berg has this case open" in mine.post(url).content.decode()

    hers.post(url, {"typing": "1"})
    assert "Lina Berg is writing a reply" in mine.post(url).content.decode()


def test_a_colleague_who_left_is_no_longer_shown(agent, lina, case):
    url = f"/desk/cases/{case.reference}/presence/"
    _as(lina).post(url)
    CasePresence.objects.filter(user=lina).update(seen_at=timezone.now() - timedelta(minutes=2))

    assert "Lina" not in _as(agent).post(url).content.decode()


def test_another_shops_case_answers_404_and_records_nothing(agent, swedish_shop, carrier):
    foreign = make_claim(make_order(swedish_shop, language="sv"), "damaged").case

    assert _as(agent).post(f"/desk/cases/{foreign.reference}/presence/").status_code == 404
    assert not CasePresence.objects.exists()


def _page_news(client, case) -> str:
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    return page.split('name="seen_news" value="')[1].split('"')[0]


def test_a_reply_written_while_a_colleague_replied_is_held_back_with_its_draft(agent, lina, case):
    mine = _as(agent)
    seen = _page_news(mine, case)
    agent_reply(case=case, agent=lina, body="Wir schicken Ihnen heute Ersatz.")

    held = mine.post(
        f"/desk/cases/{case.reference}/reply/", {"body": "Bitte senden Sie Fotos.", "seen_news": seen}
    )

    assert not OutboundMessage.objects.filter(case=case, event=BuyerEvent.AGENT_REPLY, author=agent).exists()
    page = mine.get(held["Location"]).content.decode()
    assert "Lina Berg wrote in this case while you were writing" in page
    assert "Bitte senden Sie Fotos.</textarea>" in page  # the draft is back in the box

    sent = mine.post(
        f"/desk/cases/{case.reference}/reply/",
        {"body": "Bitte senden Sie Fotos.", "seen_news": _page_news(mine, case)},
    )
    assert sent.status_code == 302
    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.AGENT_REPLY, author=agent).count() == 1


def test_an_agents_own_earlier_reply_does_not_hold_the_next_one(agent, case):
    mine = _as(agent)
    seen = _page_news(mine, case)
    agent_reply(case=case, agent=agent, body="Erste Antwort.")

    mine.post(f"/desk/cases/{case.reference}/reply/", {"body": "Noch etwas.", "seen_news": seen})

    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.AGENT_REPLY, author=agent).count() == 2


def test_the_queue_shows_which_case_a_colleague_has_open(agent, lina, case):
    _as(lina).post(f"/desk/cases/{case.reference}/presence/")

    page = _as(agent).get("/desk/").content.decode()

    row = page.split(f'data-href="/desk/cases/{case.reference}/"')[1].split("</tr>")[0]
    assert 'data-testid="colleague"' in row and "Lina Berg" in row
