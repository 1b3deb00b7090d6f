"""Rebuild the report rollups from the raw rows (after a bulk load, a restore, or a changed counter)."""

import time

from django.core.management.base import BaseCommand, CommandError

from desk.rollups.refresh import rollups_reconcile
from orders.models import Shop


class Command(BaseCommand):
    help = "Rebuild the dashboard's rollup tables from orders, cases, refunds and returns."

    def add_arguments(self, parser):
        parser.add_argument("--shop", action="append", default=[], help="only this shop (slug); repeatable")

    def handle(self, *args, shop, **options):
        shops = None
        if shop:
            shops = list(Shop.objects.filter(slug__in=shop))
            missing = set(shop) - {one.slug for one in shops}
            if missing:
                raise CommandError(f"no shop {', '.join(sorted(missing))}")
        started = time.perf_counter()
        rows = rollups_reconcile(shops=shops)
        self.stdout.write(f"{rows} rollup rows rebuilt in {time.perf_counter() - started:.1f} s")
