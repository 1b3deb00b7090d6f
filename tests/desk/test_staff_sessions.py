"""Owners' and staff's sessions end with the browser and after eight idle hours; agents keep theirs."""

import time

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from desk.security import SEEN
from tests.factories import log_in, totp_code

pytestmark = pytest.mark.django_db

EIGHT_HOURS = 8 * 60 * 60


def logged_in_owner(owner) -> Client:
    device = TOTPDevice.objects.create(user=owner, name="Telefon", confirmed=True)
    client = Client()
    log_in(client, "owner", "owner")
    client.post("/accounts/2fa/", {"code": totp_code(device)})
    assert client.get("/desk/").status_code == 200
    return client


def idle_for(client, seconds):
    session = client.session
    session[SEEN] = int(time.time()) - seconds
    session.save()


def test_an_owners_session_cookie_ends_with_the_browser(owner):
    client = Client()

    response = log_in(client, "owner", "owner")

    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""


def test_an_agents_session_cookie_lasts_two_weeks(agent):
    response = log_in(Client(), "agent", "agent")

    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 14 * 24 * 60 * 60


def test_an_owner_idle_for_more_than_eight_hours_is_logged_out(owner):
    # A copied cookie, or a browser left open on a shared computer: the server ends it all the same.
    client = logged_in_owner(owner)
    idle_for(client, EIGHT_HOURS + 60)

    response = client.get("/desk/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302


def test_an_owner_who_keeps_working_stays_logged_in(owner):
    client = logged_in_owner(owner)
    idle_for(client, EIGHT_HOURS - 120)

    assert client.get("/desk/").status_code == 200
    assert time.time() - client.session[SEEN] < 60  # the request counted as activity
    assert client.get("/desk/").status_code == 200


def test_an_agent_idle_for_more_than_eight_hours_stays_logged_in(agent):
    client = Client()
    log_in(client, "agent", "agent")
    idle_for(client, EIGHT_HOURS + 60)

    assert client.get("/desk/").status_code == 200
