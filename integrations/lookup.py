"""The integration a webhook URL names, cached between deliveries.

A busy Shopify store sends a webhook every few seconds; each needs the
integration's secret before anything else. It is read from the cache (Redis
in production) and dropped from it whenever the integration or its shop is
saved, so a rotated secret or a switched-off integration applies to the very
next delivery. "No such integration" is cached too: a stream of deliveries to
a URL nobody configured does not reach the database each time.
"""

from django.core.cache import cache

from config import caching
from orders.models import Shop

from .models import WEBHOOK_SOURCES, Integration

CACHE_SECONDS = 300
_NONE = "none"


def _key(shop_slug: str, source: str) -> str:
    return f"integration:{source}:{shop_slug}"


def webhook_integration(*, shop_slug: str, source: str) -> Integration | None:
    """The active integration of this shop and provider, or None."""
    key = _key(shop_slug, source)
    found = cache.get(key)
    if found is None:
        found = Integration.objects.filter(shop__slug=shop_slug, source=source, active=True).first() or _NONE
        cache.set(key, found, CACHE_SECONDS)
    return None if found == _NONE else found


def _integration_keys(integration: Integration) -> list[str]:
    slug = Shop.objects.filter(pk=integration.shop_id).values_list("slug", flat=True).first()
    return [_key(slug, integration.source)] if slug is not None else []


def connect_signals() -> None:
    caching.forget_on_change(Integration, _integration_keys, uid="integration-cache")
    # A renamed or deleted shop takes its webhook URLs with it.
    caching.forget_on_change(
        Shop,
        lambda shop: [_key(shop.slug, source) for source in WEBHOOK_SOURCES],
        uid="integration-cache-shop",
    )
