"""Keeping the rollups current: the touched days since the watermark, or everything.

`rollups_refresh` (beat, every minute) takes the dirty marks up to the highest id
it sees — the watermark —, rebuilds just those shop-days from the raw rows and
deletes the marks it used. A mark committed meanwhile has a lower id than the
watermark but was invisible: it is not deleted and waits for the next run.
`rollups_reconcile` rebuilds every shop's rollups from scratch (the command
`reconcile_rollups`), for after a bulk load or a fix to a counter's definition.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from orders.models import Shop

from .build import build
from .models import ROLLUPS, RollupDirty, RollupState

log = logging.getLogger(__name__)

# Any number: the key of the advisory lock that keeps two refreshes from rebuilding the same days.
LOCK_KEY = 1_702_170_017


def _runs(days: set) -> list[tuple]:
    """Consecutive days as (first, last) runs: one rebuild per run."""
    runs: list[list] = []
    for day in sorted(days):
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [tuple(run) for run in runs]


def _replace(shop: Shop, first=None, last=None) -> int:
    rows = build(shop, first, last)
    for model, new in rows.items():
        old = model.objects.filter(shop=shop)
        if first is not None:
            old = old.filter(day__gte=first, day__lte=last)
        old.delete()
        model.objects.bulk_create(new, batch_size=2000)
    return sum(len(new) for new in rows.values())


def _stamp(**fields) -> None:
    updated = RollupState.objects.filter(pk=1).update(**fields)
    if not updated:
        RollupState.objects.create(pk=1, **fields)


def _locked() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return cursor.fetchone()[0]


def rollups_refresh() -> int:
    """Rebuild the shop-days written since the last run; the number of shop-days rebuilt."""
    if connection.vendor != "postgresql":
        # No triggers to say what changed (see triggers.py): small data, rebuild it all.
        rollups_reconcile()
        return 0
    with transaction.atomic():
        if not _locked():
            return 0
        watermark = RollupDirty.objects.aggregate(top=Max("id"))["top"]
        if watermark is None:
            _stamp(refreshed_at=timezone.now())
            return 0
        marks = RollupDirty.objects.filter(id__lte=watermark)
        touched: dict[int, set] = {}
        for shop_id, day in marks.values_list("shop_id", "day").distinct():
            # The mark is a UTC date; the shop's own date may be a day either side.
            touched.setdefault(shop_id, set()).update(day + timedelta(days=d) for d in (-1, 0, 1))
        shops = Shop.objects.in_bulk(list(touched))
        for shop_id, days in touched.items():
            if shop_id in shops:
                for first, last in _runs(days):
                    _replace(shops[shop_id], first, last)
        marks.delete()
        _stamp(refreshed_at=timezone.now())
    return sum(len(days) for days in touched.values())


def rollups_reconcile(*, shops=None) -> int:
    """Rebuild every rollup row of `shops` (None: all) from the raw rows; the number of rows."""
    now = timezone.now()
    written = 0
    with transaction.atomic():
        if not _locked():
            raise RuntimeError("a rollup refresh is running; try again in a moment")
        watermark = RollupDirty.objects.aggregate(top=Max("id"))["top"]
        chosen = list(Shop.objects.order_by("pk") if shops is None else shops)
        if shops is None:
            # Rows of shops that no longer exist go too (cascade), and so do marks of every shop.
            for model in ROLLUPS:
                model.objects.exclude(shop__in=chosen).delete()
        for shop in chosen:
            written += _replace(shop)
        if watermark is not None and shops is None:
            RollupDirty.objects.filter(id__lte=watermark).delete()
        _stamp(refreshed_at=now, reconciled_at=now)
    log.info("rollups reconciled: %s rows", written)
    return written
