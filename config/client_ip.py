"""The address a request came from, for rate limits and login throttling.

REMOTE_ADDR is the socket's peer: nobody can forge it. Behind a proxy it is the
proxy's, and every buyer would share one bucket, so when REMOTE_ADDR is one of
POSTSALE_TRUSTED_PROXIES the address is read from X-Forwarded-For instead. Only
from its right: each proxy appends the address it saw, so the entries a client
wrote itself are on the left and the right-most one that is not a proxy of ours
is the first address no one of ours could have made up.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address; None where the request has none (a test client's made-up request)."""
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(getattr(settings, "POSTSALE_TRUSTED_PROXIES", ())))
    if not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for entry in reversed(forwarded):
        if not entry:
            continue
        try:
            ipaddress.ip_address(entry)
        except ValueError:
            # Not an address: something between us and the client wrote nonsense; go no further left.
            return remote
        if not _is_trusted(entry, networks):
            return entry
    return remote
