"""The public return policy page of a shop, in German, Swedish and English."""

from decimal import Decimal

import pytest

from returns import services

pytestmark = pytest.mark.django_db


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
    assert "Rückgaberichtlinie von Leinen &amp; Liebe" in text
    assert "innerhalb von 14 Tagen" in text
    assert "Personalisierte Artikel" in text


def test_the_policy_page_in_swedish_from_the_browser_language(client, shop):
    response = client.get(f"/returns/{shop.slug}/policy/", HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9")

    text = response.content.decode()
    assert '<html lang="sv">' in text
    assert "Returpolicy för Leinen &amp; Liebe" in text
    assert "inom 14 dagar" in text


def test_the_policy_page_shows_the_shops_own_terms(client, shop):
    policy = services.policy_for(shop)
    policy.window_days = 30
    policy.free_returns = False
    policy.return_fee = Decimal("4.95")
    policy.exchanges_allowed = False
    policy.packing_instructions_de = "Im Originalkarton verpacken.\nRechnung beilegen."
    policy.save()

    text = client.get(f"/returns/{shop.slug}/policy/?lang=de").content.decode()

    assert "innerhalb von 30 Tagen" in text
    assert "4,95 EUR" in text
    assert "Wir tauschen keine Artikel um" in text
    assert "<li>Rechnung beilegen.</li>" in text
    assert "Gebraucht" in text and "20 %" in text  # the restocking fee table


def test_an_unknown_shop_has_no_policy_page(client, db):
    assert client.get("/returns/nope/policy/").status_code == 404


def test_reading_the_policy_page_writes_nothing(client, shop):
    from returns.models import ReturnPolicy

    client.get(f"/returns/{shop.slug}/policy/")

    assert not ReturnPolicy.objects.exists()
