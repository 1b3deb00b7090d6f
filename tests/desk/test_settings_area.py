"""The owner's settings area: one page that leads to every setting, each of which opens for the owner."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_the_settings_area_names_opens_for_the_owner(owner_client, shop):
    page = owner_client.get("/desk/settings/").content.decode()
    links = re.findall(r'<li><a href="([^"]+)">', page.split('id="settings"')[1])

    assert "/desk/team/" in links and "/admin/decisions/decisionmatrix/" in links
    for link in links:
        assert owner_client.get(link).status_code == 200, link


def test_agents_have_no_settings_area(client, agent):
    client.force_login(agent)

    assert client.get("/desk/settings/").status_code == 403
    assert "/desk/settings/" not in client.get("/desk/").content.decode()
