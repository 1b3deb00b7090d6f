"""`manage.py sla_recompute [--shop SLUG]`: measure every open case again against its shop's SLA.

Owners' edits in the admin do this by themselves (a task after the save); the command is for
changes made another way (a data import, a changed setting). Exits with status 1 for an unknown shop.
"""

from django.core.management.base import BaseCommand, CommandError

from cases.sla import sla_recompute_shop
from orders.models import Shop


class Command(BaseCommand):
    help = "Compute the SLA deadlines of open cases again (after a policy or opening hours changed)."

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="the shop's slug (default: every shop)")

    def handle(self, *args, shop=None, **options):
        shops = Shop.objects.all()
        if shop:
            shops = shops.filter(slug=shop)
            if not shops.exists():
                raise CommandError(f"No shop {shop!r}.")
        for one in shops:
            moved = sla_recompute_shop(one)
            self.stdout.write(f"{one.name} ({one.slug}): {moved} open cases have new deadlines.")
