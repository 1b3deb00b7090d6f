"""Guessing passwords: five wrong ones for a user name from one address, and that pair is refused."""

import pytest
from django.test import Client

from tests.factories import log_in

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"


def guess(client, username="agent", times=5):
    return [log_in(client, username, f"wrong-{attempt}").status_code for attempt in range(times)]


def test_after_five_wrong_passwords_the_sixth_try_is_refused_even_with_the_right_one(agent):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    guess(attacker)

    sixth = log_in(attacker, "agent", "wrong-6")
    right = log_in(attacker, "agent", "agent")

    assert sixth.status_code == 429
    assert right.status_code == 429
    assert "Too many attempts" in right.content.decode()
    assert "15 minutes" in right.content.decode()
    assert attacker.get("/desk/").status_code == 302  # not logged in


def test_the_user_still_logs_in_from_another_address(agent):
    guess(Client(REMOTE_ADDR=ATTACKER))
    colleague = Client(REMOTE_ADDR="198.51.100.7")

    assert log_in(colleague, "agent", "agent").status_code == 302
    assert colleague.get("/desk/").status_code == 200


def test_another_user_name_from_the_same_address_is_not_locked(agent, swedish_agent):
    shared_office = Client(REMOTE_ADDR=ATTACKER)
    guess(shared_office, "agent")

    assert log_in(shared_office, "sofia", "sofia").status_code == 302


def test_a_successful_login_clears_the_earlier_failures(agent):
    client = Client(REMOTE_ADDR="198.51.100.8")
    guess(client, times=4)
    assert log_in(client, "agent", "agent").status_code == 302
    client.post("/accounts/logout/")

    guess(client, times=4)

    assert log_in(client, "agent", "agent").status_code == 302


def test_the_admin_login_is_throttled_too(owner):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for attempt in range(5):
        attacker.post("/admin/login/?next=/admin/", {"username": "owner", "password": f"wrong-{attempt}"})

    response = attacker.post("/admin/login/?next=/admin/", {"username": "owner", "password": "owner"})

    assert response.status_code == 429


def test_a_forged_forwarded_address_does_not_reset_the_count(agent, settings):
    settings.POSTSALE_TRUSTED_PROXIES = []
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for attempt in range(5):
        log_in(attacker, "agent", f"wrong-{attempt}", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")

    assert log_in(attacker, "agent", "agent", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_a_configured_proxy_the_lockout_is_per_forwarded_address(agent, settings):
    settings.POSTSALE_TRUSTED_PROXIES = ["10.0.0.5"]
    proxy = Client(REMOTE_ADDR="10.0.0.5")
    for attempt in range(5):
        log_in(proxy, "agent", f"wrong-{attempt}", HTTP_X_FORWARDED_FOR=ATTACKER)

    assert log_in(proxy, "agent", "agent", HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    assert log_in(proxy, "agent", "agent", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
