"""Django's Redis cache, which a stopped Redis turns into a slower site rather than a broken one.

Everything kept in the cache can be read again from PostgreSQL (shops by slug,
permission sets, API tokens' users, queue counts), so a cache that cannot be
reached answers as if it were empty: reads miss, writes are dropped, and the
error is logged. Before this, every API call answered 500 while Redis was down.

After one failure the cache is skipped for SKIP_SECONDS, so a Redis that does
not answer costs one connect timeout every few seconds per process, not one per
lookup.

What is lost while it is down: the portal's rate limit counts from zero (a
counter that cannot be kept lets the attempt through, like a fresh window), and
a key deleted during the outage (a revoked API token) may still be cached when
Redis comes back with its old contents; API tokens are kept at most
config.auth.CACHE_SECONDS.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

DOWN = (RedisConnectionError, RedisTimeoutError)
SKIP_SECONDS = 5.0


def _forgiving(name: str, fallback):
    """RedisCache.<name>, answering `fallback(*args, **kwargs)` while Redis cannot be reached."""
    original = getattr(RedisCache, name)

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback(*args, **kwargs)
        try:
            return original(self, *args, **kwargs)
        except DOWN as exc:
            self._down_until = time.monotonic() + SKIP_SECONDS
            log.warning("The cache is unreachable (%r): reading without it for %ss", exc, SKIP_SECONDS)
            return fallback(*args, **kwargs)

    return method


def _default(key, default=None, *args, **kwargs):
    return default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _no_failures(*args, **kwargs):
    return []


def _delta(key, delta=1, *args, **kwargs):
    # As if the counter had just started: a rate limit lets the attempt through.
    return delta


class ForgivingRedisCache(RedisCache):
    _down_until = 0.0

    get = _forgiving("get", _default)
    get_many = _forgiving("get_many", _empty)
    has_key = _forgiving("has_key", _false)
    set = _forgiving("set", _nothing)
    # add() answering False would read as "someone else has it"; True lets the caller go on as if alone.
    add = _forgiving("add", lambda *a, **k: True)
    set_many = _forgiving("set_many", _no_failures)
    touch = _forgiving("touch", _false)
    delete = _forgiving("delete", _false)
    delete_many = _forgiving("delete_many", _nothing)
    incr = _forgiving("incr", _delta)
    decr = _forgiving("decr", lambda key, delta=1, *a, **k: -delta)
    clear = _forgiving("clear", _false)
