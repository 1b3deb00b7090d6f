"""A fixed-window counter in the cache (Redis in production and CI, files on a laptop)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from config.client_ip import client_ip as config_client_ip

LOOKUP_LIMIT = getattr(settings, "POSTSALE_PORTAL_LOOKUPS", 10)
LOOKUP_WINDOW_SECONDS = getattr(settings, "POSTSALE_PORTAL_LOOKUP_WINDOW", 600)


def _cache_key(key: str) -> str:
    return "portal:rl:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def count(key: str) -> int:
    """How many attempts `hit` counted under `key` in the running window, without counting one."""
    return cache.get(_cache_key(key)) or 0


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key`; False once more than `limit` were made in the window."""
    key = _cache_key(key)
    # add() starts the window only if none is running; incr() is atomic on Redis.
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ended between add() and incr(): this is the first attempt of a new one.
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def client_ip(request) -> str:
    # The socket's address, or behind a proxy of POSTSALE_TRUSTED_PROXIES the address that proxy
    # saw: X-Forwarded-For from anyone else is whatever the client wants it to be.
    return config_client_ip(request) or "unknown"


# --- the order lookup ---------------------------------------------------------------


def lookup_refused(*, ip: str, order_key: str) -> bool:
    """Whether this attempt is refused before the order is even looked at.

    Every attempt counts against the address it comes from. Per order only failures count,
    so nobody can lock the real buyer out by trying wrong e-mails: once an order has had
    too many, only the addresses that failed on it are refused, and any other address still
    gets its try (a distributed guesser gets one guess per address, the buyer gets in).
    """
    ip_allowed = hit(f"ip:{ip}", limit=LOOKUP_LIMIT, window_seconds=LOOKUP_WINDOW_SECONDS)
    order_exhausted = count(order_key) >= LOOKUP_LIMIT
    failed_here = count(f"{order_key}:ip:{ip}") > 0
    return not ip_allowed or (order_exhausted and failed_here)


def lookup_failed(*, ip: str, order_key: str) -> None:
    hit(order_key, limit=LOOKUP_LIMIT, window_seconds=LOOKUP_WINDOW_SECONDS)
    hit(f"{order_key}:ip:{ip}", limit=LOOKUP_LIMIT, window_seconds=LOOKUP_WINDOW_SECONDS)
