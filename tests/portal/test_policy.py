"""The public return policy page of a shop: its terms, in the buyer's language."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from returns import services
from returns.models import ReturnPolicy

pytestmark = pytest.mark.django_db


def translated(language: str, text: str, **values) -> str:
    """The text as the page must show it in that language; never the English original."""
    with translation.override(language):
        result = gettext(text) % values if values else gettext(text)
    assert result != (text % values if values else text), f"{text!r} has no {language} translation"
    return result.replace("&", "&amp;").replace("'", "&#x27;")


def test_the_policy_page_is_public_and_in_english_by_default(client, shop):
    response = client.get(f"/returns/{shop.slug}/policy/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = response.content.decode()
    assert "Return policy of Leinen &amp; Liebe" in text
    assert "within 14 days after you received them" in text
    assert "Returns are free" in text


def test_the_policy_page_in_german(client, shop):
    response = client.get(f"/returns/{shop.slug}/policy/?lang=de")

    text = response.content.decode()
    assert '<html lang="de">' in text
    assert response.headers["Content-Language"] == "de"
    assert translated("de", "Return policy of %(shop)s", shop="Leinen & Liebe") in text
    assert translated("de", "What cannot be returned") in text
    assert "14" in text


def test_the_policy_page_in_swedish_from_the_browser_language(client, shop):
    response = client.get(f"/returns/{shop.slug}/policy/", HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9")

    text = response.content.decode()
    assert '<html lang="sv">' in text
    assert translated("sv", "Return policy of %(shop)s", shop="Leinen & Liebe") in text
    assert translated("sv", "How to pack") in text


def test_the_policy_page_shows_the_shops_own_terms(client, shop):
    policy = services.policy_for(shop)
    policy.window_days = 30
    policy.free_returns = False
    policy.return_fee = Decimal("4.95")
    policy.exchanges_allowed = False
    policy.packing_instructions_de = "Im Originalkarton verpacken.\nRechnung beilegen."
    policy.save()

    text = client.get(f"/returns/{shop.slug}/policy/?lang=de").content.decode()

    assert (
        translated(
            "de",
            "You can return items within %(days)s days after you received them, without giving a reason.",
            days=30,
        )
        in text
    )
    assert "4,95 EUR" in text
    assert (
        translated("de", "We do not exchange items; return the item and place a new order instead.") in text
    )
    assert "<li>Rechnung beilegen.</li>" in text
    assert translated("de", "Used") in text and "20 %" in text  # the restocking fee table


def test_an_unknown_shop_has_no_policy_page(client, db):
    assert client.get("/returns/nope/policy/").status_code == 404


def test_reading_the_policy_page_writes_nothing(client, shop):
    client.get(f"/returns/{shop.slug}/policy/")

    assert not ReturnPolicy.objects.exists()


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
