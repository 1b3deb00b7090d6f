"""The integration a webhook URL names, cached between deliveries.

A busy Shopify store sends a webhook every few seconds; each needs the
integration's secret before anything else. It is read from the cache (Redis
in production) and dropped from it whenever the integration or its shop is
saved, so a rotated secret or a switched-off integration applies to the very
next delivery. "No such integration" is cached too: a stream of deliveries to
a URL nobody configured does not reach the database each time.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

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


def _integration_changed(sender, instance, **kwargs):
    slug = Shop.objects.filter(pk=instance.shop_id).values_list("slug", flat=True).first()
    if slug is not None:
        caching.forget([_key(slug, instance.source)])


def _shop_saved(sender, instance, **kwargs):
    # Before and after saving: a renamed slug must neither keep nor miss its integrations.
    slugs = {instance.slug}
    if instance.pk:
        slugs.update(Shop.objects.filter(pk=instance.pk).values_list("slug", flat=True))
    caching.forget(_key(slug, source) for slug in slugs for source in WEBHOOK_SOURCES)


def connect_signals() -> None:
    post_save.connect(_integration_changed, sender=Integration, dispatch_uid="integration-cache-saved")
    post_delete.connect(_integration_changed, sender=Integration, dispatch_uid="integration-cache-deleted")
    pre_save.connect(_shop_saved, sender=Shop, dispatch_uid="integration-cache-shop-before")
    post_save.connect(_shop_saved, sender=Shop, dispatch_uid="integration-cache-shop-after")
    pre_delete.connect(_shop_saved, sender=Shop, dispatch_uid="integration-cache-shop-deleted")
