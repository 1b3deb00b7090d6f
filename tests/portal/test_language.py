"""Which language the portal speaks: ?lang (remembered), the browser's, then the shop's."""

import pytest
from django.conf import settings
from django.test import Client

from .conftest import follow, lookup

pytestmark = pytest.mark.django_db


def test_the_language_switch_is_remembered(client, se_order):
    follow(client, lookup(client, se_order, se_order.number, "lena.holm@telia.example"))

    switched = client.get(f"/portal/linnestugan/order/{se_order.number}/?lang=de")
    later = client.get(f"/portal/linnestugan/order/{se_order.number}/return/")

    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert later["Content-Language"] == "de"
    assert '<html lang="de">' in later.content.decode()


def test_the_browsers_language_applies_before_the_shops(se_order):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")

    page = client.get("/portal/linnestugan/")

    assert page["Content-Language"] == "en"
