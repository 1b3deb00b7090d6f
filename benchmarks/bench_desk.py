"""Server time of the desk's queue and case pages on a large PostgreSQL database.

Loads N orders (1,000,000 by default) and M cases (200,000) with SQL
`generate_series` into a database of its own, then times the queue's first
page, a deep page (a cursor 100,000 cases down), a filtered/search page and
random case pages through Django's request handling (middleware, views,
templates: everything but the network). Reports p50/p95 per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench_desk \\
        .venv/bin/python benchmarks/bench_desk.py --orders 1000000 --cases 200000

Targets (issue 6): p95 <= 50 ms for the queue, <= 100 ms for the case page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/postsale_bench_desk"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("POSTSALE_DATA_DIR", "/tmp/postsale-bench-desk")
    # The laptop profile these figures were measured on (DEBUG is off unless set).
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()


def recreate_database(database_url: str) -> None:
    import psycopg2

    name = database_url.rsplit("/", 1)[1]
    admin = psycopg2.connect(database_url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


LOAD_SQL = """
INSERT INTO orders_buyer (email, name, first_name, last_name, salutation, language, risk_flag, risk_reason,
    created_at, shop_id)
SELECT 'buyer' || g || '@example.de', 'Käufer ' || g, 'Käufer', g::text, '', (ARRAY['de','sv','en'])[1 + g %% 3],
       CASE WHEN g %% 97 = 0 THEN 'questionable' ELSE 'none' END, '', now(), %(shop)s
FROM generate_series(1, %(buyers)s) g;

INSERT INTO orders_order (number, placed_at, currency, subtotal, shipping_total, tax_total, total, sales_channel,
    ship_name, ship_line1, ship_line2, ship_postal_code, ship_city, ship_region, ship_country, needed_by,
    shipping_speed, buyer_wrote_before_shipping, created_at, updated_at, buyer_id, shop_id)
SELECT 'B' || g, now() - (g %% 365) * interval '1 day', 'EUR', 20 + g %% 300, 5.90, 0, 25.90 + g %% 300, 'web',
       'Käufer ' || g, 'Lindenstraße ' || (g %% 200), '', lpad((10000 + g %% 89999)::text, 5, '0'), 'Berlin', '', 'DE',
       CASE WHEN g %% 50 = 0 THEN current_date + (g %% 20) END, 'standard', false, now(), now(),
       (SELECT min(id) FROM orders_buyer) + (g %% %(buyers)s), %(shop)s
FROM generate_series(1, %(orders)s) g;

INSERT INTO orders_orderline (position, sku, title, quantity, unit_price, unit_weight_g, personalisation, order_id)
SELECT 1, 'SERV-' || (o.id %% 40), 'Leinenservietten, 12 Stück', 1 + o.id %% 4, 24.90, 545, '[]'::jsonb, o.id
FROM orders_order o;

INSERT INTO orders_payment (method, status, amount, reference, cleared_at, created_at, order_id)
SELECT 'card', 'paid', o.total, 'ch_' || o.id, o.placed_at, now(), o.id FROM orders_order o;

INSERT INTO orders_shipment (service, tracking_number, shipped_at, packed_weight_g, signature_required, signed_by,
    label_document, status, status_at, last_event_at, delivered_at, delivery_location, created_at, carrier_id,
    order_id)
SELECT '', '00340434' || o.id, o.placed_at + interval '1 day', 600 + o.id %% 2000, o.id %% 5 = 0, '', '',
       CASE WHEN o.id %% 7 = 0 THEN 'in_transit' ELSE 'delivered' END, o.placed_at + interval '3 day',
       o.placed_at + interval '3 day', CASE WHEN o.id %% 7 = 0 THEN NULL ELSE o.placed_at + interval '3 day' END,
       '', now(), %(carrier)s, o.id
FROM orders_order o;

INSERT INTO cases_case (reference, kind, subject, status, priority, opened_via, language, order_value, currency,
    needed_by, first_response_due, opened_at, updated_at, cost_total, recovered_total, order_id, buyer_id, shop_id,
    search_text, search_body, preview, last_buyer_message_at, claim_type)
SELECT 'C-2026-' || lpad(g::text, 7, '0'), CASE WHEN g %% 4 = 0 THEN 'return' ELSE 'claim' END, '',
       (ARRAY['new','new','in_progress','waiting_on_buyer','waiting_on_carrier','escalated','resolved',
              'closed'])[1 + g %% 8],
       (g::bigint * 7919) %% 90, 'portal', 'de', o.total, 'EUR', o.needed_by,
       now() + ((g %% 72) - 24) * interval '1 hour', now() - (g %% 60) * interval '1 day', now(), 0, 0,
       o.id, o.buyer_id, %(shop)s,
       unaccent(lower('c-2026-' || lpad(g::text, 7, '0') || ' b' || o.id || ' käufer ' || o.id || ' buyer' || o.id
             || '@example.de 00340434' || o.id)),
       -- What buyers write: one case in 500 about napkins for a wedding, the rest about a parcel.
       CASE WHEN g %% 500 = 0 THEN 'die servietten fur unsere hochzeit sind nicht angekommen'
            WHEN g %% 3 = 0 THEN 'mitt paket har inte kommit fram, kan ni kolla med postnord'
            ELSE 'das paket ist nicht angekommen, bitte pruefen sie die sendung' END
         || ' leinenservietten, 12 stuck serv-' || (o.id %% 40),
       'Das Paket ist nicht angekommen.',
       CASE WHEN g %% 3 = 0 THEN now() - (g %% 50) * interval '1 hour' END,
       CASE WHEN g %% 4 = 0 THEN ''
            ELSE (ARRAY['lost_in_transit','delivered_not_received','damaged','missing_items','wrong_item'])[1 + g %% 5]
       END
FROM generate_series(1, %(cases)s) g JOIN orders_order o ON o.id = (SELECT min(id) FROM orders_order) + g * 5;

INSERT INTO claims_claim (type, statement, dispute_provider, dispute_reference, dispute_reason, evidence,
    created_at, case_id, shipment_id)
SELECT c.claim_type, 'Das Paket ist nicht angekommen.', '', '', '',
       '{"weight": {"verdict": "unknown"}, "buyer": {"risk_flag": "none", "claims_last_365_days": 0}}'::jsonb,
       c.opened_at, c.id, s.id
FROM cases_case c JOIN orders_shipment s ON s.order_id = c.order_id WHERE c.kind = 'claim';

INSERT INTO cases_caseevent (at, verb, old, new, data, case_id)
SELECT c.opened_at + n * interval '1 hour', (ARRAY['opened','claim_opened','decision'])[n], '', 'new', '{}'::jsonb,
       c.id
FROM cases_case c CROSS JOIN generate_series(1, 3) n;
"""


def load(orders: int, cases: int) -> None:
    from django.db import connection

    from orders.models import Carrier, Shop

    shop, _ = Shop.objects.get_or_create(slug="bench", defaults={"name": "Bench Leinen", "currency": "EUR"})
    carrier, _ = Carrier.objects.get_or_create(code="dhl", defaults={"name": "DHL"})
    params = {
        "shop": shop.pk,
        "carrier": carrier.pk,
        "orders": orders,
        "cases": cases,
        "buyers": max(orders // 5, 1),
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        _defaults_for_new_columns(cursor)
        for statement in [s.strip() for s in LOAD_SQL.split(";\n") if s.strip()]:
            cursor.execute(statement, params)
        cursor.execute("ANALYZE")
    print(f"loaded {orders:,} orders and {cases:,} cases in {time.perf_counter() - started:.0f} s")


# Plain values for the NOT NULL columns LOAD_SQL does not name: columns added since it was written
# (Django keeps defaults in Python, not in the table) get one in the bench database only.
PLAIN = {
    "character varying": "''",
    "text": "''",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "numeric": "0",
    "boolean": "false",
    "jsonb": "'{}'::jsonb",
    "timestamp with time zone": "now()",
    "date": "current_date",
}
LOADED_TABLES = (
    "orders_buyer",
    "orders_order",
    "orders_orderline",
    "orders_payment",
    "orders_shipment",
    "cases_case",
    "claims_claim",
    "cases_caseevent",
)


def _defaults_for_new_columns(cursor) -> None:
    cursor.execute(
        """
        SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_name = ANY(%s) AND is_nullable = 'NO' AND column_default IS NULL
          AND is_generated = 'NEVER' AND column_name <> 'id'
        """,
        [list(LOADED_TABLES)],
    )
    for table, column, data_type in cursor.fetchall():
        if data_type in PLAIN:
            cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET DEFAULT {PLAIN[data_type]}')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(client, url: str, runs: int) -> list[float]:
    client.get(url)  # warm caches and the session's language
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def measure(runs: int) -> list[tuple[str, list[float]]]:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from cases.models import Case
    from config.roles import AGENTS
    from desk.queue import encode_cursor
    from orders.models import Membership, Shop
    from orders.services.memberships import membership_grant

    agent, created = User.objects.get_or_create(username="bench-agent")
    if created:
        agent.groups.add(Group.objects.get(name=AGENTS))
    # Shops are tenants: the agent sees the bench shop's cases through a membership, as in production.
    if not Membership.objects.filter(user=agent).exists():
        membership_grant(user=agent, shop=Shop.objects.get(slug="bench"), role="agent")
    client = Client()
    client.force_login(agent)

    open_cases = Case.objects.filter(
        status__in=["new", "waiting_on_buyer", "waiting_on_carrier", "in_progress", "escalated"]
    ).order_by("-priority", "first_response_due", "id")
    depth = min(100_000, open_cases.count() // 2)
    deep = open_cases[depth : depth + 1].first()
    case_refs = list(Case.objects.order_by("?").values_list("reference", flat=True)[:runs])
    results = [
        ("queue, first page", timed(client, "/desk/", runs)),
        (f"queue, {depth:,} cases deep", timed(client, f"/desk/?after={encode_cursor(deep)}", runs)),
        ("queue, filter type + carrier", timed(client, "/desk/?type=lost_in_transit&carrier=dhl", runs)),
        ("queue, search e-mail", timed(client, "/desk/?q=buyer4242%40example", runs)),
        ("queue, search a message's word", timed(client, "/desk/?q=Hochzeit", runs)),
        ("queue, search two words", timed(client, "/desk/?q=Servietten+Hochzeit", runs)),
        ("queue, search name w/o accent", timed(client, "/desk/?q=kaufer+42424", runs)),
        ("queue, sorted by value", timed(client, "/desk/?sort=value", runs)),
        ("queue, sorted by buyer wrote", timed(client, "/desk/?sort=last_message", runs)),
        ("queue, sorted by age", timed(client, "/desk/?sort=age", runs)),
        ("order search (new case)", timed(client, "/desk/new/?q=00340434424242", runs)),
    ]
    samples = []
    client.get(f"/desk/cases/{case_refs[0]}/")
    for reference in case_refs:
        started = time.perf_counter()
        response = client.get(f"/desk/cases/{reference}/")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    results.append(("case page, random cases", samples))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--reuse", action="store_true", help="measure an already loaded database")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not args.reuse:
        recreate_database(database_url)
    setup_django(database_url)
    from django.core.management import call_command

    if not args.reuse:
        call_command("migrate", verbosity=0)
        load(args.orders, args.cases)
    random.seed(1)
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8}")
    for name, samples in measure(args.runs):
        print(f"{name:32} {statistics.median(samples):8.1f} {percentile(samples, 0.95):8.1f}")


if __name__ == "__main__":
    main()
