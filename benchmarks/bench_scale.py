"""Every list, the case page and claim creation at scale, through gunicorn over HTTP.

    /work/main/.venv/bin/python benchmarks/bench_scale.py                          # 200k cases, 1M orders
    /work/main/.venv/bin/python benchmarks/bench_scale.py --cases 1000000 --orders 5000000
    /work/main/.venv/bin/python benchmarks/bench_scale.py --reuse                  # measure again, no reload

Loads shops, buyers, orders, lines, payments, parcels, tracking events (two per
parcel), cases, claims and timeline events with SQL `generate_series` into a
database of its own (default `postsale_bench_scale`; its name must contain
"bench", it is dropped first), starts gunicorn (2 sync workers, DEBUG off) and
times, as a logged-in agent of two of the three shops: the queue (as it opens,
all statuses ticked, resolved and closed only, filtered, searched, a deep page),
the case page, the cases API lists and `POST /api/v1/claims/`. Each URL gets
2 warm-up and `--runs` timed requests; the table shows p50/p95 in milliseconds, the
CPU time gunicorn and PostgreSQL spent per request (what an idle machine would take:
on a busy one the wall clock also counts the waits for a CPU), and the queries the
same request makes (counted in this process with Django's test client, same code
and database).

The data is shaped like a helpdesk a few years old: three quarters of the cases
resolved or closed, nine claim types (chargebacks 1 %), four carriers, eight agents,
drawn at random (fixed seed) so that no two of them are correlated by accident.

Targets (issue 17, 2-core machine, p95): every queue and API list <= 50 ms at 1M
cases, case page <= 40 ms, claim creation <= 25 ms.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/postsale_bench_scale"
BENCH_SECRET_KEY = secrets.token_urlsafe(64)
BENCH_SECRETS_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
BENCH_REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
CARRIERS = ["dhl", "dpd", "hermes", "ups"]
AGENTS = 8

# %(x)s are parameters; %% is a literal modulo. Order ids and case ids start at 1 in a new database.
LOAD_SQL = """
INSERT INTO orders_buyer (email, name, first_name, last_name, salutation, language, risk_flag, risk_reason,
    created_at, shop_id)
SELECT 'buyer' || g || '@example.de', 'Käufer ' || g, 'Käufer', g::text, '', (ARRAY['de','sv','en'])[1 + g %% 3],
       CASE WHEN g %% 97 = 0 THEN 'questionable' ELSE 'none' END, '', now(),
       (%(shops)s::bigint[])[1 + g %% 3]
FROM generate_series(1, %(buyers)s) g;

SELECT setseed(0.17);

INSERT INTO orders_order (number, placed_at, currency, subtotal, shipping_total, tax_total, total, sales_channel,
    ship_name, ship_line1, ship_line2, ship_postal_code, ship_city, ship_region, ship_country, needed_by,
    shipping_speed, buyer_wrote_before_shipping, created_at, updated_at, buyer_id, shop_id)
SELECT 'B' || g, now() - (g %% 1000) * interval '1 day', 'EUR', 20 + g %% 300, 5.90, 0, 25.90 + g %% 300, 'web',
       'Käufer ' || g, 'Lindenstraße ' || (g %% 200), '', lpad((10000 + g %% 89999)::text, 5, '0'), 'Berlin', '',
       'DE', CASE WHEN g %% 50 = 0 THEN current_date + (g %% 20) END, 'standard', false, now(), now(),
       1 + (g %% %(buyers)s), (%(shops)s::bigint[])[1 + (1 + g %% %(buyers)s) %% 3]
FROM generate_series(1, %(orders)s) g;

INSERT INTO orders_orderline (position, sku, title, quantity, unit_price, unit_weight_g, personalisation, order_id)
SELECT 1, 'SERV-' || (o.id %% 40), 'Leinenservietten, 12 Stück', 1 + o.id %% 4, 24.90, 545, '[]'::jsonb, o.id
FROM orders_order o;

INSERT INTO orders_payment (method, provider, status, amount, reference, cleared_at, created_at, order_id)
SELECT 'card', '', 'paid', o.total, 'ch_' || o.id, o.placed_at, now(), o.id FROM orders_order o;

INSERT INTO orders_shipment (service, tracking_number, shipped_at, packed_weight_g, signature_required, signed_by,
    label_document, status, status_at, last_event_at, delivered_at, delivery_location, pickup_point, created_at,
    carrier_id, order_id)
SELECT '', '00340434' || o.id, o.placed_at + interval '1 day', 600 + o.id %% 2000, o.id %% 5 = 0, '', '',
       CASE WHEN o.id %% 7 = 0 THEN 'in_transit' ELSE 'delivered' END, o.placed_at + interval '3 day',
       o.placed_at + interval '3 day', CASE WHEN o.id %% 7 = 0 THEN NULL ELSE o.placed_at + interval '3 day' END,
       '', '', now(), (%(carriers)s::bigint[])[1 + floor(random() * 4)::int], o.id
FROM orders_order o;

INSERT INTO orders_trackingevent (status, carrier_status, description, location, occurred_at, source,
    source_event_id, raw, received_at, shipment_id)
SELECT CASE WHEN n = 1 THEN 'in_transit' ELSE s.status END, '', 'Sendung bearbeitet', 'Berlin',
       s.shipped_at + n * interval '1 day', 'bench', s.id || '-' || n, '{}'::jsonb, now(), s.id
FROM orders_shipment s CROSS JOIN generate_series(1, 2) n;

INSERT INTO cases_case (reference, kind, subject, status, priority, opened_via, language, order_value, currency,
    needed_by, first_response_due, first_responded_at, opened_at, updated_at, resolved_at, closed_at, cost_total,
    recovered_total, order_id, buyer_id, shop_id, assignee_id, search_text, search_body, preview,
    last_buyer_message_at, claim_type)
SELECT 'C-2026-' || lpad(g::text, 7, '0'), CASE WHEN r.kind < 0.25 THEN 'return' ELSE 'claim' END, '',
       st.status, CASE WHEN st.status IN ('resolved', 'closed') THEN 0 ELSE (g::bigint * 7919) %% 90 END,
       'portal', 'de', o.total, 'EUR', o.needed_by,
       now() + ((g %% 72) - 24) * interval '1 hour',
       CASE WHEN st.status IN ('resolved', 'closed') THEN now() - (g %% 900) * interval '1 day' END,
       now() - (g %% 900) * interval '1 day', now(),
       CASE WHEN st.status IN ('resolved', 'closed') THEN now() - (g %% 900) * interval '1 day' END,
       CASE WHEN st.status = 'closed' THEN now() - (g %% 900) * interval '1 day' END, 0, 0,
       o.id, o.buyer_id, o.shop_id,
       CASE WHEN r.assign < 0.7 THEN (%(agents)s::bigint[])[1 + floor(r.agent * %(agent_count)s)::int] END,
       unaccent(lower('c-2026-' || lpad(g::text, 7, '0') || ' b' || o.id || ' käufer ' || o.buyer_id || ' buyer'
             || o.buyer_id || '@example.de 00340434' || o.id)),
       -- What buyers write: one case in 500 about napkins for a wedding, the rest about a parcel.
       CASE WHEN g %% 500 = 0 THEN 'die servietten fur unsere hochzeit sind nicht angekommen'
            WHEN g %% 3 = 0 THEN 'mitt paket har inte kommit fram, kan ni kolla med postnord'
            ELSE 'das paket ist nicht angekommen, bitte pruefen sie die sendung' END
         || ' leinenservietten, 12 stuck serv-' || (o.id %% 40),
       'Das Paket ist nicht angekommen.',
       CASE WHEN g %% 3 = 0 THEN now() - (g %% 50) * interval '1 hour' END,
       CASE WHEN r.kind < 0.25 THEN '' WHEN r.type < 0.01 THEN 'chargeback'
            ELSE (ARRAY['lost_in_transit','delivered_not_received','damaged','missing_items','wrong_item',
                        'personalisation_error','late_for_needed_by','payment_review'])[1 + floor(r.type * 8)::int] END
FROM generate_series(1, %(cases)s) g
JOIN orders_order o ON o.id = 1 + ((g - 1) * %(order_step)s)
CROSS JOIN LATERAL (SELECT random() AS status, random() AS assign, random() AS agent, random() AS kind,
    random() AS type, g AS n) r
CROSS JOIN LATERAL (SELECT CASE
    WHEN r.status < 0.10 THEN 'new' WHEN r.status < 0.14 THEN 'waiting_on_buyer'
    WHEN r.status < 0.19 THEN 'waiting_on_carrier' WHEN r.status < 0.24 THEN 'in_progress'
    WHEN r.status < 0.25 THEN 'escalated' WHEN r.status < 0.55 THEN 'resolved' ELSE 'closed' END AS status) st;

INSERT INTO claims_claim (type, statement, dispute_provider, dispute_reference, dispute_reason, dispute_cost,
    dispute_outcome, evidence, created_at, case_id, shipment_id)
SELECT c.claim_type, 'Das Paket ist nicht angekommen.', '', '', '', 0, '',
       '{"weight": {"verdict": "unknown"}, "buyer": {"risk_flag": "none", "claims_last_365_days": 0}}'::jsonb,
       c.opened_at, c.id, s.id
FROM cases_case c JOIN orders_shipment s ON s.order_id = c.order_id WHERE c.kind = 'claim';

INSERT INTO cases_caseevent (at, verb, old, new, data, case_id)
SELECT c.opened_at + n * interval '1 hour', (ARRAY['opened','claim_opened','decision'])[n], '', 'new', '{}'::jsonb,
       c.id
FROM cases_case c CROSS JOIN generate_series(1, 3) n;

SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))
"""


LOADED_TABLES = [
    "orders_buyer",
    "orders_order",
    "orders_orderline",
    "orders_payment",
    "orders_shipment",
    "orders_trackingevent",
    "cases_case",
    "claims_claim",
    "cases_caseevent",
]


def recreate_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        REDIS_URL=BENCH_REDIS_URL,
        SECRET_KEY=BENCH_SECRET_KEY,
        POSTSALE_SECRETS_KEY=BENCH_SECRETS_KEY,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="false",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.cache import cache

    cache.clear()


def prepare() -> None:
    """Shops, carriers, agents (the bench agent in two of the three shops) and an integration user."""
    from django.contrib.auth.models import Group, User

    from config.roles import AGENTS as AGENTS_GROUP
    from config.roles import INTEGRATIONS
    from orders.models import Carrier, Shop
    from orders.services.memberships import membership_grant

    shops = [
        Shop.objects.create(
            slug=f"bench-{n}", name=f"Bench Leinen {n}", currency="EUR", default_language="de"
        )
        for n in (1, 2, 3)
    ]
    for code in CARRIERS:
        Carrier.objects.get_or_create(code=code, defaults={"name": code.upper()})
    for n in range(AGENTS):
        agent = User.objects.create_user(f"bench-agent-{n}" if n else "bench-agent", password=None)
        agent.groups.add(Group.objects.get(name=AGENTS_GROUP))
        for shop in shops[:2] if n == 0 else shops:
            membership_grant(user=agent, shop=shop, role="agent")
    integration = User.objects.create_user("bench-shop", password=None)
    integration.groups.add(Group.objects.get(name=INTEGRATIONS))
    membership_grant(user=integration, shop=shops[0], role="integration")


def load(orders: int, cases: int) -> None:
    from django.contrib.auth.models import User
    from django.db import connection

    from orders.models import Carrier, Shop

    params = {
        "shops": list(
            Shop.objects.filter(slug__startswith="bench-").order_by("slug").values_list("pk", flat=True)
        ),
        "carriers": list(
            Carrier.objects.filter(code__in=CARRIERS).order_by("code").values_list("pk", flat=True)
        ),
        "agents": list(
            User.objects.filter(username__startswith="bench-agent")
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "agent_count": AGENTS,
        "orders": orders,
        "cases": cases,
        "buyers": max(orders // 5, 1),
        # Cases spread over the orders; the orders between them stay free for new claims.
        "order_step": max(orders // cases, 1),
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Indexes built once after the load instead of row by row during it (the trigram index on
        # the cases' search text most of all): a million cases in minutes, not half an hour.
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [LOADED_TABLES],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for statement in [s.strip() for s in LOAD_SQL.split(";\n") if s.strip()]:
            step = time.perf_counter()
            cursor.execute(statement, params)
            print(f"  {statement.split()[:3][-1]:24} {time.perf_counter() - step:6.1f} s", flush=True)
        step = time.perf_counter()
        for _name, definition in indexes:
            cursor.execute(definition)
        print(f"  {len(indexes)} indexes {time.perf_counter() - step:14.1f} s", flush=True)
        cursor.execute("VACUUM ANALYZE")
    print(
        f"loaded {orders:,} orders and {cases:,} cases in {time.perf_counter() - started:.0f} s", flush=True
    )


# --- the server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "POSTSALE_SECRETS_KEY": BENCH_SECRETS_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "3600",
        "REDIS_URL": BENCH_REDIS_URL,
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--timeout=120",
            "--log-level=warning",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited at start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    sys.exit("gunicorn did not listen within 30 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- measuring ----------------------------------------------------------------------


def cpu_speed() -> float:
    """Seconds for ten million steps of a Python loop: how fast this machine's CPU is just now.

    Shared 2-core machines differ (and vary within an hour) by a factor of two; this figure
    says which kind of run a table came from.
    """
    started, total = time.perf_counter(), 0
    for step in range(10_000_000):
        total += step
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Http:
    """One keep-alive connection to gunicorn with the agent's session cookie or a token."""

    def __init__(self, port: int, headers: dict):
        self.port = port
        self.headers = headers
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def timed(
        self, path: str, runs: int, *, method: str = "GET", bodies=None, expect: int = 200, warm_up: int = 2
    ) -> list[float]:
        samples = []
        for index in range(runs + warm_up):
            body = next(bodies) if bodies else None
            started = time.perf_counter()
            status, content = self.request(method, path, body)
            elapsed = (time.perf_counter() - started) * 1000
            if status != expect:
                sys.exit(f"{method} {path} answered {status}: {content[:300]!r}")
            if index >= warm_up:
                samples.append(elapsed)
        return samples


def warm_every_worker(port: int, headers: dict, requests: list[tuple[str, str, bytes | None]], workers: int) -> None:
    """Each gunicorn worker loads its templates, URL map and compiled reads on its first requests
    (0.3–1 s for the first case page). Sent one after the other, warm-up requests may all reach the
    same worker and leave the other's first request in the timed part; sent `workers` at a time,
    they reach every worker."""

    def send(request: tuple[str, str, bytes | None]) -> None:
        method, path, body = request
        Http(port, headers).request(method, path, body)

    with ThreadPoolExecutor(workers) as pool:
        for start in range(0, len(requests), workers):
            list(pool.map(send, requests[start : start + workers]))


def query_count(client, method: str, path: str, body: bytes | None = None, **extra) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if method == "GET":
        client.get(path, **extra)  # caches filled (the saved views' counts are kept 30 s)
    with CaptureQueriesContext(connection) as queries:
        if method == "GET":
            client.get(path, **extra)
        else:
            client.post(path, data=body, content_type="application/json", **extra)
    return len(queries)


class ServerCpu:
    """CPU seconds of gunicorn's workers and their PostgreSQL backends (benchmarks/bench_api.py).

    Per request, that is what an otherwise idle machine would take: on a shared machine the
    wall-clock figures include the time other processes held the CPUs.
    """

    def __init__(self, server: subprocess.Popen, database_url: str):
        self.server, self.database_url = server, database_url

    def __call__(self) -> dict[int, float]:
        from bench_api import server_cpu

        return server_cpu(self.server.pid, self.database_url)

    @staticmethod
    def per_request_ms(before: dict[int, float], after: dict[int, float], requests: int) -> float:
        return sum(after[pid] - before.get(pid, 0.0) for pid in after) * 1000 / requests


def measure(port: int, runs: int, cpu: ServerCpu, workers: int) -> list[tuple[str, list[float], int, float]]:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    from cases.models import OPEN_STATUSES, Case, CaseStatus
    from config.api_tokens import api_token_create
    from desk.queue import encode_cursor
    from orders.models import Order, Shop

    agent = User.objects.get(username="bench-agent")
    browser = Client()
    browser.force_login(agent)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    desk = Http(port, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}", "Host": "127.0.0.1"})
    api_agent = Http(port, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}", "Host": "127.0.0.1"})
    shop_user = User.objects.get(username="bench-shop")
    token = api_token_create(user=shop_user, days=1)[1]
    shop_api = Http(
        port, {"Authorization": f"Token {token}", "Content-Type": "application/json", "Host": "127.0.0.1"}
    )
    token_client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    shops = Shop.objects.filter(slug__in=["bench-1", "bench-2"])
    mine = Case.objects.filter(shop__in=shops)
    open_sorted = mine.filter(status__in=list(OPEN_STATUSES)).order_by(
        "-priority", "first_response_due", "id"
    )
    depth = open_sorted.count() // 2
    deep = open_sorted[depth : depth + 1].get()
    all_sorted = mine.order_by("-priority", "first_response_due", "id")
    all_deep = all_sorted[mine.count() // 2 :][:1].get()
    some_order = Order.objects.filter(cases__isnull=False, shop__in=shops).order_by("-id").first()
    every = "&".join(f"status={status}" for status in CaseStatus.values)
    lists = [
        ("queue as it opens", "/desk/"),
        ("queue, all statuses", f"/desk/?{every}"),
        ("queue, resolved + closed", "/desk/?status=resolved&status=closed"),
        ("queue, all statuses, deep", f"/desk/?{every}&after={encode_cursor(all_deep)}"),
        (f"queue, {depth:,} open deep", f"/desk/?after={encode_cursor(deep)}"),
        ("queue, type + carrier", "/desk/?type=lost_in_transit&carrier=dhl"),
        ("queue, chargebacks, all st.", f"/desk/?type=chargeback&{every}"),
        ("queue, shop + assignee", "/desk/?shop=bench-2&assignee=bench-agent-3"),
        ("queue, mine", "/desk/?view=mine"),
        ("queue, escalated, unassigned", "/desk/?status=escalated&assignee=none"),
        ("queue, search order number", f"/desk/?q={some_order.number.lower()}%20"),
        ("queue, search e-mail, all st.", f"/desk/?q=buyer4242%40example&{every}"),
        ("queue, search a message's word", "/desk/?q=Hochzeit"),
        ("queue, search two words", "/desk/?q=Servietten+Hochzeit"),
        ("queue, search name w/o accent", "/desk/?q=kaufer+4242"),
        ("queue, sorted by value", "/desk/?sort=value"),
        ("queue, sorted by age", "/desk/?sort=age"),
        ("queue, sorted by buyer wrote", "/desk/?sort=last_message"),
        ("order search (new case)", f"/desk/new/?q=00340434{some_order.pk}"),
        ("API cases", "/api/v1/cases/"),
        ("API cases ?status=new&type=", "/api/v1/cases/?status=new&type=damaged"),
        ("API cases, resolved+closed", "/api/v1/cases/?status=resolved&status=closed"),
        ("API cases ?open=false&shop=", "/api/v1/cases/?open=false&shop=bench-2"),
        ("API cases ?assignee=me", "/api/v1/cases/?assignee=me"),
    ]
    kinds_of_case = [
        mine.filter(kind=kind).order_by("-id").values_list("reference", flat=True).first()
        for kind in ("claim", "return", "enquiry")
    ]
    pages = ["/desk/", "/api/v1/cases/"] + [f"/desk/cases/{ref}/" for ref in kinds_of_case if ref]
    # Each page `workers` times at once, three rounds: every worker opens every page.
    warm_every_worker(port, desk.headers, [("GET", page, None) for page in pages for _ in range(workers)] * 3, workers)
    results = []
    for name, path in lists:
        client = api_agent if path.startswith("/api/") else desk
        client.timed(path, 0)  # the two warm-up requests, outside the CPU count
        before = cpu()
        samples = client.timed(path, runs, warm_up=0)
        used = cpu.per_request_ms(before, cpu(), runs)
        results.append((name, samples, query_count(browser, "GET", path), used))
    # Ten cases to warm up on, not two: each worker compiles the page's reads once for each kind of
    # case (with or without an order, a claim…), and a random pick of two does not meet them all.
    warm_up = 10
    references = list(mine.order_by("?").values_list("reference", flat=True)[: runs + warm_up])
    samples = []
    for index, reference in enumerate(references):
        if index == warm_up:
            before = cpu()
        started = time.perf_counter()
        status, _ = desk.request("GET", f"/desk/cases/{reference}/")
        if status != 200:
            sys.exit(f"case page {reference} answered {status}")
        if index >= warm_up:
            samples.append((time.perf_counter() - started) * 1000)
    used = cpu.per_request_ms(before, cpu(), runs)
    counted = query_count(browser, "GET", f"/desk/cases/{references[0]}/")
    results.append(("case page, random cases", samples, counted, used))

    # New claims on orders without a case, one order each (a second claim on an order waits for the
    # first). A lost parcel gets a recommendation for an agent (file a carrier claim); a damaged
    # order under 50 EUR is refunded at once by the default matrix (the refund, its outbound call
    # and its e-mail on top).
    free = Order.objects.filter(shop__slug="bench-1", cases__isnull=True).order_by("-id")
    kinds = [
        ("POST claim, recommendation", "lost_in_transit", free),
        ("POST claim, refunded at once", "damaged", free.filter(total__lt=45)),
    ]
    used_orders: set[int] = set()
    for name, claim_type, orders in kinds:
        pks = [pk for pk in orders.values_list("pk", flat=True)[: 2 * runs + 20] if pk not in used_orders]
        used_orders.update(pks)
        bodies = iter(
            json.dumps({"order": pk, "type": claim_type, "statement": "Hm."}).encode() for pk in pks
        )
        # Each worker compiles what opening a claim reads once: warmed with claims of their own.
        warm_every_worker(
            port, shop_api.headers, [("POST", "/api/v1/claims/", next(bodies)) for _ in range(3 * workers)], workers
        )
        shop_api.timed("/api/v1/claims/", 0, method="POST", bodies=bodies, expect=201)
        before = cpu()
        samples = shop_api.timed("/api/v1/claims/", runs, method="POST", bodies=bodies, expect=201, warm_up=0)
        used = cpu.per_request_ms(before, cpu(), runs)
        counted = query_count(token_client, "POST", "/api/v1/claims/", next(bodies))
        results.append((name, samples, counted, used))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per URL (after 2 warm-up ones)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--reuse", action="store_true", help="measure an already loaded database")
    parser.add_argument("--load-only", action="store_true", help="load, do not measure")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    if not args.reuse:
        call_command("migrate", verbosity=0)
        prepare()
        load(args.orders, args.cases)
    else:
        call_command("migrate", verbosity=0)
    if args.load_only:
        return
    # gunicorn runs without DEBUG, as in production: its pages name the collected static files.
    call_command("collectstatic", interactive=False, verbosity=0)
    random.seed(1)
    port = free_port()
    server = start_gunicorn(args.database_url, port, args.workers)
    load_before, speed_before = os.getloadavg()[0], cpu_speed()
    try:
        results = measure(port, args.runs, ServerCpu(server, args.database_url), args.workers)
    finally:
        stop(server)
    print(
        f"\nload average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs;"
        f" a 10M-step Python loop took {speed_before:.2f} s before, {cpu_speed():.2f} s after"
    )
    print(f"{'request':34} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'queries':>8}")
    for name, samples, queries, used in results:
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {used:8.1f} {queries:8}")


if __name__ == "__main__":
    main()
