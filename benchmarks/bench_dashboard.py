"""The owner's dashboard over HTTP at 1M orders: rollups rebuilt, then p50/p95 server time for 30 and 365 days.

Loads N orders (1,000,000 by default) with their lines, payments and parcels over
the last year, M cases (200,000) with claims, refunds, replacements and returns,
with SQL `generate_series` (bench_desk.py's load plus the money and the returns),
into `postsale_bench_dashboard`. The rollup triggers are off during the load, as
for any bulk import; `reconcile_rollups` then builds the rollups (timed). Then
gunicorn (2 sync workers, DEBUG off) serves the dashboard to a logged-in agent:
2 warm-up and `--runs` timed requests per page, interleaved. Server time is what
gunicorn logs per request (%(D)s, from the request read to the response
written); the client's time over loopback is printed next to it.

    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python benchmarks/bench_dashboard.py
    .venv/bin/python benchmarks/bench_dashboard.py --reuse --runs 40     # measure again without reloading

Target (issue 17): dashboard p95 <= 300 ms at 1M orders.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "benchmarks"))

from bench_api import free_port, recreate_database, setup_django, stop  # noqa: E402
from bench_desk import LOAD_SQL as DESK_SQL  # noqa: E402

LOAD_SQL = DESK_SQL
# Columns added since bench_desk.py's load was written get a stop-gap default for the load only.
FILLERS = {
    "character varying": "''",
    "text": "''",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "numeric": "0",
    "boolean": "false",
    "jsonb": "'{}'::jsonb",
    "date": "current_date",
    "timestamp with time zone": "now()",
}
LOADED_TABLES = [
    "orders_buyer",
    "orders_order",
    "orders_orderline",
    "orders_payment",
    "orders_shipment",
    "cases_case",
    "claims_claim",
    "cases_caseevent",
    "claims_resolution",
    "cases_refund",
    "returns_returnrequest",
    "returns_returnline",
]

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/postsale_bench_dashboard"
CARRIERS = ["dhl", "dpd", "hermes", "ups"]

# What bench_desk.py does not load: several carriers, resolutions and their money, returns.
MORE_SQL = """
UPDATE orders_shipment SET carrier_id = (%(carriers)s::bigint[])[1 + id %% 4], signature_required = (id %% 5 = 0);

UPDATE cases_case SET resolved_at = opened_at + (1 + id %% 96) * interval '1 hour'
WHERE status IN ('resolved', 'closed');

UPDATE cases_case SET cost_total = order_value WHERE kind = 'claim' AND resolved_at IS NOT NULL;

INSERT INTO claims_resolution (action, reason, amount, goods_cost, shipping_cost, with_return_label, goodwill,
    created_at, case_id)
SELECT CASE WHEN c.id %% 3 = 0 THEN 'reship' ELSE 'refund' END, '', c.order_value,
       CASE WHEN c.id %% 3 = 0 THEN c.order_value ELSE 0 END, CASE WHEN c.id %% 3 = 0 THEN 5.90 ELSE 0 END,
       false, false, c.resolved_at, c.id
FROM cases_case c WHERE c.kind = 'claim' AND c.resolved_at IS NOT NULL;

INSERT INTO cases_refund (amount, currency, method, status, idempotency_key, gateway, gateway_reference, reason,
    created_at, case_id, order_id, credit_code)
SELECT c.order_value, 'EUR', 'original', 'completed', 'bench-' || c.id, 'manual', '', '', c.resolved_at, c.id,
       c.order_id, ''
FROM cases_case c WHERE c.kind = 'claim' AND c.resolved_at IS NOT NULL AND c.id %% 3 <> 0;

INSERT INTO returns_returnrequest (rma, status, method, resolution, terms, policy_exceptions, keep_item,
    tracking_number, label_provider, label_pdf, reject_reason, created_at, updated_at, case_id, order_id,
    exchange_skus, label_carrier, label_qr_code_url, label_reference, pickup_confirmation, received_at)
SELECT 'R-' || c.id, CASE WHEN c.id %% 2 = 0 THEN 'refunded' ELSE 'requested' END, 'drop_off', 'refund',
       '{}'::jsonb, '[]'::jsonb, false, '', '', '', '', c.opened_at, c.opened_at, c.id, c.order_id, '[]'::jsonb,
       '', '', '', '', CASE WHEN c.id %% 2 = 0 THEN c.opened_at + interval '3 days' END
FROM cases_case c WHERE c.kind = 'return';

INSERT INTO returns_returnline (quantity, reason, received_quantity, condition, accepted_quantity,
    rejected_quantity, notes, order_line_id, request_id)
SELECT 1, (ARRAY['changed_mind','too_small','too_large','damaged','wrong_item','not_as_described'])[1 + q.id %% 6],
       CASE WHEN q.received_at IS NULL THEN 0 ELSE 1 END, CASE WHEN q.received_at IS NULL THEN '' ELSE 'as_new' END,
       CASE WHEN q.received_at IS NULL THEN 0 ELSE 1 END, 0, '', l.id, q.id
FROM returns_returnrequest q JOIN orders_orderline l ON l.order_id = q.order_id
"""


def load(orders: int, cases: int) -> None:
    from django.db import connection

    from orders.models import Carrier, Shop

    shop, _ = Shop.objects.get_or_create(slug="bench", defaults={"name": "Bench Leinen", "currency": "EUR"})
    carriers = [
        Carrier.objects.get_or_create(code=code, defaults={"name": code.upper()})[0].pk for code in CARRIERS
    ]
    params = {
        "shop": shop.pk,
        "carrier": carriers[0],
        "carriers": carriers,
        "orders": orders,
        "cases": cases,
        "buyers": max(orders // 5, 1),
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # A bulk load: the rollup triggers would mark a million days one row at a time; reconcile follows.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name = ANY(%s)"
            " AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'",
            [LOADED_TABLES],
        )
        filled = [row for row in cursor.fetchall() if row[2] in FILLERS]
        for table, column, kind in filled:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {FILLERS[kind]}')
        for sql in (LOAD_SQL, MORE_SQL):
            for statement in [s.strip() for s in sql.split(";\n") if s.strip()]:
                cursor.execute(statement, params)
        for table, column, _kind in filled:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE")
    print(f"loaded {orders:,} orders and {cases:,} cases in {time.perf_counter() - started:.0f} s")


def reconcile() -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("reconcile_rollups")
    print(f"reconcile_rollups: {time.perf_counter() - started:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def session_cookie() -> str:
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from config.roles import OWNERS
    from orders.models import Membership, Shop
    from orders.services.memberships import membership_grant

    owner, created = User.objects.get_or_create(username="bench-owner")
    if created:
        owner.groups.add(Group.objects.get(name=OWNERS))
    if not Membership.objects.filter(user=owner).exists():
        membership_grant(user=owner, shop=Shop.objects.get(slug="bench"), role="owner")
    client = Client()
    client.force_login(owner)
    # Owners confirm their login with a TOTP code: the session says it gave one, as after a real login.
    device, _ = TOTPDevice.objects.get_or_create(user=owner, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return f"sessionid={session.session_key}"


def start_gunicorn(url: str, port: int, access_log: Path) -> subprocess.Popen:
    import bench_api

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": bench_api.BENCH_SECRET_KEY,
        "POSTSALE_SECRETS_KEY": bench_api.BENCH_SECRETS_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "3600",
        "REDIS_URL": bench_api.BENCH_REDIS_URL,
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--timeout=300",
            f"--access-logfile={access_log}",
            "--access-logformat=%(U)s?%(q)s %(s)s %(D)s",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    import socket

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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(port: int, cookie: str, pages: dict, runs: int, access_log: Path) -> dict:
    def get(path: str) -> float:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie, "X-Forwarded-Proto": "https"}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
            assert response.status == 200, (path, response.status)
        return (time.perf_counter() - started) * 1000

    client: dict = {name: [] for name in pages}
    for _ in range(2):
        for path in pages.values():
            get(path)
    warm = len(access_log.read_text().splitlines())
    for _ in range(runs):
        for name, path in pages.items():  # interleaved
            client[name].append(get(path))
    time.sleep(0.5)
    server: dict = {name: [] for name in pages}
    by_path = {path: name for name, path in pages.items()}
    for line in access_log.read_text().splitlines()[warm:]:
        url, status, micros = line.split()
        name = by_path.get(url.removesuffix("?"))
        if name:
            server[name].append(int(micros) / 1000)
    return {name: (server[name], client[name]) for name in pages}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure an already loaded database")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if "bench" not in database_url.rsplit("/", 1)[1]:
        sys.exit("the benchmark database's name must contain 'bench' (it is dropped)")
    if not args.reuse:
        recreate_database(database_url)
    setup_django(database_url)
    if not args.reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        load(args.orders, args.cases)
        reconcile()
    cookie = session_cookie()
    from django.core.management import call_command

    # DEBUG off serves the hashed static files' names, as production does.
    call_command("collectstatic", interactive=False, verbosity=0)
    pages = {
        "dashboard, 30 days": "/desk/dashboard/?days=30",
        "dashboard, 365 days": "/desk/dashboard/?days=365",
        "money CSV, 365 days": "/desk/dashboard/money.csv?days=365",
    }
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        access_log = Path(folder) / "access.log"
        access_log.touch()
        server = start_gunicorn(database_url, port, access_log)
        try:
            results = measure(port, cookie, pages, args.runs, access_log)
        finally:
            stop(server)
    print(f"gunicorn, 2 sync workers, {os.cpu_count()} CPUs; {args.runs} timed requests per page")
    # A figure measured on a busy machine is an upper bound: say how busy it was.
    print("load average (1, 5, 15 min) after the run: " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
    print(f"{'page':24} {'server p50':>11} {'p95':>7} {'client p50':>11} {'p95':>7}")
    for name, (server_ms, client_ms) in results.items():
        print(
            f"{name:24} {statistics.median(server_ms):11.1f} {percentile(server_ms, 0.95):7.1f}"
            f" {statistics.median(client_ms):11.1f} {percentile(client_ms, 0.95):7.1f}"
        )


if __name__ == "__main__":
    main()
