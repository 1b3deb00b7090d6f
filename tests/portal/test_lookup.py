"""Finding an order: number and e-mail, no hints about which orders exist, and not too often."""

import re

import pytest
from django.test import Client

from portal.access import SESSION_KEY

from .conftest import lookup

pytestmark = pytest.mark.django_db


def page_without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_number_and_email_open_the_order(client, de_order):
    response = lookup(client, de_order, f"#{de_order.number} ", "  ANNA.berg@example.DE ")

    assert response.status_code == 302
    assert response["Location"] == f"/portal/leinen/order/{de_order.number}/"
    assert client.session[SESSION_KEY] == {str(de_order.shop_id): de_order.pk}


def test_wrong_email_and_unknown_order_get_the_same_answer(client, de_order):
    wrong_email = lookup(client, de_order, de_order.number, "someone.else@example.de")
    unknown_order = lookup(client, de_order, "99999999", "someone.else@example.de")

    assert wrong_email.status_code == unknown_order.status_code == 200
    assert page_without_csrf(wrong_email).replace(de_order.number, "X") == page_without_csrf(
        unknown_order
    ).replace("99999999", "X")
    assert SESSION_KEY not in client.session


def test_lookups_are_limited_per_ip_address(client, de_order):
    for attempt in range(10):
        assert lookup(client, de_order, f"guess-{attempt}", "anna.berg@example.de").status_code == 200

    blocked = lookup(client, de_order, de_order.number, "anna.berg@example.de")

    assert blocked.status_code == 429
    assert SESSION_KEY not in client.session


def test_lookups_are_limited_per_order_number_across_addresses(de_order):
    guessers = [Client(REMOTE_ADDR=f"10.0.0.{attempt}") for attempt in range(10)]
    for attempt, guesser in enumerate(guessers):
        lookup(guesser, de_order, de_order.number, f"guess{attempt}@example.de")
    fresh = Client(REMOTE_ADDR="10.0.1.1")

    # An address that failed on the order may not try it again; a new one gets one guess.
    assert lookup(guessers[0], de_order, de_order.number, "again@example.de").status_code == 429
    assert lookup(fresh, de_order, de_order.number, "guess-a@example.de").status_code == 200
    assert lookup(fresh, de_order, de_order.number, "guess-b@example.de").status_code == 429


def test_a_blocked_lookup_looks_the_same_for_existing_and_unknown_orders(de_order):
    for attempt in range(10):
        lookup(Client(REMOTE_ADDR="10.0.2.1"), de_order, f"guess-{attempt}", "x@example.de")

    existing = lookup(Client(REMOTE_ADDR="10.0.2.1"), de_order, de_order.number, "x@example.de")
    unknown = lookup(Client(REMOTE_ADDR="10.0.2.1"), de_order, "77777777", "x@example.de")

    assert existing.status_code == unknown.status_code == 429
    assert page_without_csrf(existing).replace(de_order.number, "X") == page_without_csrf(unknown).replace(
        "77777777", "X"
    )


def test_the_lookup_form_needs_its_csrf_token(de_order):
    client = Client(enforce_csrf_checks=True)

    response = lookup(client, de_order, de_order.number, "anna.berg@example.de")

    assert response.status_code == 403


def test_the_portal_lists_the_shops(client, shop, swedish_shop):
    response = client.get("/portal/")

    assert response.status_code == 200
    assert b"/portal/leinen/" in response.content and b"/portal/linnestugan/" in response.content


def test_an_unknown_shop_is_not_found(client, db):
    assert client.get("/portal/no-such-shop/").status_code == 404
