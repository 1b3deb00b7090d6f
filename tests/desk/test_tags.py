"""Tags on cases: one shop's words, folded so that one word is one tag, on the timeline, never across shops."""

import pytest

from cases.models import CaseTag, Tag
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(shop, carrier):
    return make_claim(make_order(shop), "damaged").case


def test_an_agent_tags_a_case_and_sees_it_on_the_page_and_the_timeline(client, agent, case):
    client.force_login(agent)

    client.post(f"/desk/cases/{case.reference}/tags/", {"tag": "  Hochzeit "})
    client.post(f"/desk/cases/{case.reference}/tags/", {"tag": "hochzeit"})

    assert list(CaseTag.objects.filter(case=case).values_list("tag__name", flat=True)) == ["hochzeit"]
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    tags = page.split('id="tags"')[1].split("</section>")[0]
    assert "hochzeit" in tags
    assert case.events.filter(verb="tagged", new="hochzeit", actor=agent).count() == 1


def test_a_tag_comes_off_again(client, agent, case):
    client.force_login(agent)
    client.post(f"/desk/cases/{case.reference}/tags/", {"tag": "influencer"})

    client.post(f"/desk/cases/{case.reference}/tags/remove/", {"tag": "influencer"})

    assert not CaseTag.objects.filter(case=case).exists()
    assert case.events.filter(verb="untagged", old="influencer").exists()


@pytest.mark.parametrize("name", ["<b>x</b>", "x" * 41, "   "])
def test_a_wrong_tag_is_refused_and_nothing_is_written(client, agent, case, name):
    client.force_login(agent)

    response = client.post(f"/desk/cases/{case.reference}/tags/", {"tag": name}, follow=True)

    assert 'class="error"' in response.content.decode()
    assert not Tag.objects.exists() and not case.events.filter(verb="tagged").exists()


def test_tags_of_one_shop_are_not_offered_in_another(client, agent, shop, swedish_shop, carrier, case):
    swedish = make_claim(make_order(swedish_shop, language="sv"), "damaged").case
    Tag.objects.create(shop=swedish_shop, name="midsommar")
    CaseTag.objects.create(case=swedish, tag=Tag.objects.get(name="midsommar"))
    client.force_login(agent)

    page = client.get(f"/desk/cases/{case.reference}/").content.decode()

    assert "midsommar" not in page
    assert client.post(f"/desk/cases/{swedish.reference}/tags/", {"tag": "x"}).status_code == 404


def test_agents_tag_cases_in_bulk_from_the_queue_and_filter_by_the_tag(client, agent, shop, carrier):
    tagged, other = make_claim(make_order(shop), "damaged").case, make_claim(make_order(shop), "damaged").case
    client.force_login(agent)

    client.post("/desk/bulk/", {"bulk": "tag", "tag": "Hochzeit", "case": [tagged.reference]})

    assert CaseTag.objects.filter(case=tagged, tag__name="hochzeit").exists()
    page = client.get("/desk/", {"tag": "hochzeit"}).content.decode()
    assert tagged.reference in page and other.reference not in page


def test_a_wrong_bulk_tag_is_refused_naming_the_field_and_tags_nothing(client, agent, case):
    client.force_login(agent)

    response = client.post("/desk/bulk/", {"bulk": "tag", "tag": "<script>", "case": [case.reference]})

    assert response.status_code == 400 and response.content.decode().startswith("tag:")
    assert not CaseTag.objects.exists()
