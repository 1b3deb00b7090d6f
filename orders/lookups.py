"""Shops by slug and carriers by code, read through the cache.

Every order a shop system pushes names its shop and its carriers; they change
perhaps once a year. The cache (Redis in production) answers instead of two
queries per request, and a save or delete of a shop or carrier drops its
entry at once (and again at commit), so nobody ever sees an old one.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save, pre_save

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


def _shop_changed(sender, instance, **kwargs):
    # Before a save too: a renamed slug must not keep answering under its old name.
    slugs = {instance.slug, *Shop.objects.filter(pk=instance.pk).values_list("slug", flat=True)}
    caching.forget(_shop_key(slug) for slug in slugs)


def _carrier_changed(sender, instance, **kwargs):
    codes = {instance.code, *Carrier.objects.filter(pk=instance.pk).values_list("code", flat=True)}
    caching.forget(_carrier_key(code) for code in codes)


def connect_signals() -> None:
    for signal, name in ((pre_save, "before"), (post_save, "saved"), (post_delete, "deleted")):
        signal.connect(_shop_changed, sender=Shop, dispatch_uid=f"shop-cache-{name}")
        signal.connect(_carrier_changed, sender=Carrier, dispatch_uid=f"carrier-cache-{name}")
