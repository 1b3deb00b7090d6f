"""The agent's own settings."""

import pytest

pytestmark = pytest.mark.django_db


def test_desk_speaks_the_language_the_agent_chose(client, agent):
    client.force_login(agent)
    client.post("/desk/me/", {"language": "sv"})
    assert "Kö" in client.get("/desk/").content.decode()
