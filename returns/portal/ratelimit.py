"""A fixed-window counter in the cache (Redis in production and CI, files on a laptop)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


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
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client wants it to be unless a
    # proxy we trust rewrites it, and then the proxy should set REMOTE_ADDR itself.
    return request.META.get("REMOTE_ADDR", "") or "unknown"
