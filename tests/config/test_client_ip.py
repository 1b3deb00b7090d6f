"""The client's address: the socket's, or behind a proxy we were told of, what that proxy saw."""

import pytest
from django.test import RequestFactory

from config.client_ip import client_ip

PROXY = "10.0.0.5"


def request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_configured_proxy_a_forged_forwarded_header_is_ignored(settings):
    settings.POSTSALE_TRUSTED_PROXIES = []

    assert client_ip(request("198.51.100.9", "203.0.113.1")) == "198.51.100.9"


def test_a_request_from_a_configured_proxy_counts_the_address_the_proxy_saw(settings):
    settings.POSTSALE_TRUSTED_PROXIES = [PROXY]

    assert client_ip(request(PROXY, "203.0.113.1")) == "203.0.113.1"


def test_a_spoofed_left_most_entry_is_ignored(settings):
    # The client sent "X-Forwarded-For: 1.2.3.4"; our proxy appended the address it really saw.
    settings.POSTSALE_TRUSTED_PROXIES = [PROXY]

    assert client_ip(request(PROXY, "1.2.3.4, 203.0.113.1")) == "203.0.113.1"


def test_a_chain_of_our_own_proxies_is_walked_from_the_right(settings):
    settings.POSTSALE_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]

    assert client_ip(request(PROXY, "1.2.3.4, 203.0.113.1, 10.1.1.1, 2001:db8::7")) == "203.0.113.1"


def test_the_header_from_an_address_that_is_not_a_proxy_of_ours_is_ignored(settings):
    settings.POSTSALE_TRUSTED_PROXIES = [PROXY]

    assert client_ip(request("198.51.100.9", "203.0.113.1")) == "198.51.100.9"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "203.0.113.1, garbage"])
def test_a_missing_or_garbled_header_falls_back_to_the_proxy(settings, forwarded):
    settings.POSTSALE_TRUSTED_PROXIES = [PROXY]

    assert client_ip(request(PROXY, forwarded)) == PROXY
