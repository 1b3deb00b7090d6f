"""The policy page picks its language like the portal: ?lang, cookie, browser, then the shop's own."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_without_any_hint_the_policy_page_speaks_the_shops_language(shop):
    response = Client().get(f"/returns/{shop.slug}/policy/")

    assert response.headers["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()


def test_the_language_cookie_applies_before_the_shops_language(shop):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"

    response = client.get(f"/returns/{shop.slug}/policy/")

    assert response.headers["Content-Language"] == "sv"


def test_the_answer_varies_with_the_browsers_language(shop):
    response = Client().get(f"/returns/{shop.slug}/policy/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"]
