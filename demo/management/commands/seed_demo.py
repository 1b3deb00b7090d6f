"""`manage.py seed_demo`: the demo shops, users and ~300 orders. Safe to run again: it only tops up."""

import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from demo import orders as demo
from demo.cases import seed_cases

CHUNK = 50


class Command(BaseCommand):
    help = (
        "Create the demo: two linen shops, carriers, owner/owner and agent/agent, ~300 orders with tracking."
    )

    def handle(self, *args, verbosity=1, **options):
        started = time.monotonic()
        with transaction.atomic():
            carriers = demo.setup_carriers()
            shops = demo.setup_shops(carriers)
            users = demo.setup_users(shops)
        self.stdout.write(
            f"Shops: {', '.join(s.name for s in shops.values())}; carriers: {', '.join(c.name for c in carriers.values())}"
        )

        # Anchored to when the demo first ran, so a later run rebuilds exactly the same orders.
        generator = demo.Generator(anchor=shops[demo.DE_SHOP].created_at)
        orders = generator.build(per_shop={demo.DE_SHOP: 174, demo.SE_SHOP: 114})
        todo = demo.missing_orders(orders)
        self.stdout.write(f"Orders: {len(orders) - len(todo)} already there, {len(todo)} to create")

        events = 0
        with tqdm(total=len(todo), unit="order", file=sys.stderr, disable=verbosity < 1 or not todo) as bar:
            for start in range(0, len(todo), CHUNK):
                chunk = todo[start : start + CHUNK]
                events += demo.load_orders(chunk, author=users["owner"])
                bar.update(len(chunk))
        flagged = demo.flag_buyers(by=users["owner"])

        cases = seed_cases()
        self.stdout.write(f"Opened {cases} demo cases.")
        # The dashboard reads rollups: bring them up to date at once instead of waiting for beat.
        call_command("reconcile_rollups", verbosity=0, stdout=self.stdout if verbosity else None)

        token = demo.owner_token(users["owner"])
        self.stdout.write(
            f"Created {len(todo)} orders and {events} tracking events, flagged {flagged} buyers "
            f"in {time.monotonic() - started:.1f} s."
        )
        self.stdout.write("Log in as owner/owner (admin) or agent/agent (desk).")
        self.stdout.write(self.style.SUCCESS(f"API token for owner: {token}"))
        self.stdout.write(
            f'  curl -H "Authorization: Token {token}" "http://127.0.0.1:8000/api/v1/orders/?shop={demo.DE_SHOP}"'
        )
