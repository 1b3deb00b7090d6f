"""Shops by slug and carriers by code, read through the cache.

Every order a shop system pushes names its shop and its carriers; they change
perhaps once a year. The cache (Redis in production) answers instead of two
queries per request, and a save or delete of a shop or carrier drops its
entry at once (and again at commit), so nobody ever sees an old one.
"""

from django.core.cache import cache

from config import caching

from .models import Carrier, Shop

CACHE_SECONDS = 600


def _shop_key(slug: str) -> str:
    return f"shop:{slug}"


def _carrier_key(code: str) -> str:
    return f"carrier:{code}"


def shops_by_slug(slugs: set[str]) -> dict[str, Shop]:
    return _through_cache(slugs, _shop_key, lambda missing: Shop.objects.in_bulk(missing, field_name="slug"))


def carriers_by_code(codes: set[str]) -> dict[str, Carrier]:
    return _through_cache(
        codes, _carrier_key, lambda missing: Carrier.objects.in_bulk(missing, field_name="code")
    )


def _through_cache(names: set[str], key, load) -> dict:
    keys = {key(name): name for name in names}
    found = {keys[k]: value for k, value in cache.get_many(list(keys)).items()}
    missing = set(names) - set(found)
    if missing:
        loaded = load(missing)
        cache.set_many({key(name): row for name, row in loaded.items()}, CACHE_SECONDS)
        found.update(loaded)
    return found


def connect_signals() -> None:
    caching.forget_on_change(Shop, lambda shop: [_shop_key(shop.slug)], uid="shop-cache")
    caching.forget_on_change(Carrier, lambda carrier: [_carrier_key(carrier.code)], uid="carrier-cache")
