"""Lookups are limited per address and per order number; guessing cannot lock the real buyer out."""

import pytest
from django.test import Client

from portal.access import SESSION_KEY

from .conftest import lookup, page_without_csrf

pytestmark = pytest.mark.django_db


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


def fail_ten_times(order, number):
    """Ten wrong e-mails for the number, from ten addresses: none of them over its own limit."""
    for attempt in range(10):
        response = lookup(
            Client(REMOTE_ADDR=f"10.9.9.{attempt}"), order, number, f"guess{attempt}@example.de"
        )
        assert response.status_code == 200


def test_the_buyer_gets_in_from_another_address_after_someone_else_failed_ten_times(de_order):
    fail_ten_times(de_order, de_order.number)
    buyer = Client(REMOTE_ADDR="192.0.2.7")

    response = lookup(buyer, de_order, de_order.number, "anna.berg@example.de")

    assert response.status_code == 302
    assert buyer.session[SESSION_KEY] == {str(de_order.shop_id): de_order.pk}


def test_the_address_that_failed_ten_times_is_refused_even_with_the_right_email(de_order):
    fail_ten_times(de_order, de_order.number)

    response = lookup(Client(REMOTE_ADDR="10.9.9.0"), de_order, de_order.number, "anna.berg@example.de")

    assert response.status_code == 429


def test_correct_lookups_do_not_count_against_the_order(de_order):
    for attempt in range(12):
        lookup(Client(REMOTE_ADDR=f"10.0.3.{attempt}"), de_order, de_order.number, "anna.berg@example.de")
    guesser = Client(REMOTE_ADDR="10.0.4.1")

    assert lookup(guesser, de_order, de_order.number, "wrong@example.de").status_code == 200
    assert lookup(guesser, de_order, de_order.number, "wrong2@example.de").status_code == 200


def test_an_exhausted_order_number_answers_like_an_exhausted_unknown_one(de_order):
    fail_ten_times(de_order, de_order.number)
    fail_ten_times(de_order, "77777777")
    guesser, fresh = Client(REMOTE_ADDR="10.9.9.0"), Client(REMOTE_ADDR="10.0.5.1")

    existing = lookup(guesser, de_order, de_order.number, "x@example.de")
    unknown = lookup(guesser, de_order, "77777777", "x@example.de")
    fresh_existing = lookup(fresh, de_order, de_order.number, "x@example.de")
    fresh_unknown = lookup(fresh, de_order, "77777777", "x@example.de")

    assert existing.status_code == unknown.status_code == 429
    assert fresh_existing.status_code == fresh_unknown.status_code == 200
    for a, b in ((existing, unknown), (fresh_existing, fresh_unknown)):
        assert page_without_csrf(a).replace(de_order.number, "X") == page_without_csrf(b).replace(
            "77777777", "X"
        )


# --- behind a proxy: the address the proxy saw, never what the client wrote -----------------------


def test_behind_a_configured_proxy_two_buyers_have_buckets_of_their_own(settings, de_order):
    settings.POSTSALE_TRUSTED_PROXIES = ["10.0.0.5"]
    proxy = Client(REMOTE_ADDR="10.0.0.5")
    for attempt in range(10):
        lookup(proxy, de_order, f"guess-{attempt}", "x@example.de", HTTP_X_FORWARDED_FOR="203.0.113.1")

    guesser = lookup(proxy, de_order, "guess-x", "x@example.de", HTTP_X_FORWARDED_FOR="203.0.113.1")
    buyer = lookup(
        proxy, de_order, de_order.number, "anna.berg@example.de", HTTP_X_FORWARDED_FOR="203.0.113.2"
    )

    assert guesser.status_code == 429
    assert buyer.status_code == 302  # in: the guesser's bucket is not the buyer's


def test_behind_a_configured_proxy_a_spoofed_left_most_address_does_not_buy_new_tries(settings, de_order):
    settings.POSTSALE_TRUSTED_PROXIES = ["10.0.0.5"]
    proxy = Client(REMOTE_ADDR="10.0.0.5")
    for attempt in range(10):
        # A new made-up address each time, in front of the one the proxy appended.
        forwarded = f"198.51.100.{attempt}, 203.0.113.1"
        lookup(proxy, de_order, f"guess-{attempt}", "x@example.de", HTTP_X_FORWARDED_FOR=forwarded)

    again = lookup(
        proxy, de_order, "guess-x", "x@example.de", HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.1"
    )

    assert again.status_code == 429


def test_without_a_configured_proxy_a_forged_forwarded_address_buys_no_new_tries(settings, de_order):
    settings.POSTSALE_TRUSTED_PROXIES = []
    guesser = Client(REMOTE_ADDR="198.51.100.50")
    for attempt in range(10):
        lookup(
            guesser, de_order, f"guess-{attempt}", "x@example.de", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}"
        )

    again = lookup(guesser, de_order, "guess-x", "x@example.de", HTTP_X_FORWARDED_FOR="203.0.113.200")

    assert again.status_code == 429
