"""Load orders and tracking events through the real API and measure throughput.

    .venv/bin/python benchmarks/bench_api.py                   # 100k orders
    .venv/bin/python benchmarks/bench_api.py --orders 1000000  # 1M

It (re)creates a separate PostgreSQL database (default `postsale_bench`; the
name must contain "bench", since it is dropped first), migrates it, starts
gunicorn on 127.0.0.1 against it and drives it with concurrent HTTP clients
over loopback. Three phases, each a fixed amount of work:

1. batched upserts: all N orders, 500 per request;
2. one order per request: `--single` more orders (default 5,000);
3. batched tracking events: `--events` events (default N), 500 per request,
   each batch touching different parcels, statuses moving forward per round.

See benchmarks/README.md for the targets and the figures measured.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import queue
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SHOP = "bench"
CARRIERS = ["dhl", "dpd", "hermes", "ups"]
STATUSES = ["pre_transit", "in_transit", "out_for_delivery", "delivered"]
SKUS = [(f"LIN-{index:03d}", 180 + 15 * index) for index in range(200)]
# Keys of this run, shared with gunicorn through the environment: production refuses a key written down.
BENCH_SECRET_KEY = secrets.token_urlsafe(64)
BENCH_SECRETS_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
# The cache gunicorn and this script share (permission sets, integrations), as every process
# of one installation shares it; emptied at the start, since the database is new.
BENCH_REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
REQUEST_TIMEOUT = 300  # seconds; a request slower than this counts as a failure


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders loaded in batches (N)")
    parser.add_argument("--single", type=int, default=5_000, help="orders posted one per request")
    parser.add_argument("--events", type=int, default=None, help="tracking events (default: N)")
    parser.add_argument("--batch", type=int, default=500, help="orders or events per batched request")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_bench"),
    )
    return parser.parse_args()


# --- database and server ------------------------------------------------------


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
    """Django in this process, on the benchmark's database and cache, with gunicorn's secret key."""
    os.environ.update(
        DATABASE_URL=url,
        REDIS_URL=BENCH_REDIS_URL,
        SECRET_KEY=BENCH_SECRET_KEY,
        POSTSALE_SECRETS_KEY=BENCH_SECRETS_KEY,
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.cache import cache

    cache.clear()


def prepare(url: str) -> str:
    """Migrate, create the shop and an integration user; return its API token."""
    setup_django(url)
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from config.api_tokens import api_token_create
    from config.roles import INTEGRATIONS
    from orders.models import Carrier, Shop
    from orders.services.memberships import membership_grant

    call_command("migrate", verbosity=0)
    shop = Shop.objects.create(slug=SHOP, name="Benchmark Linen", currency="EUR", default_language="de")
    for code in CARRIERS:
        Carrier.objects.get_or_create(code=code, defaults={"name": code.upper()})
    user = User.objects.create_user("bench", password=None)
    user.groups.add(Group.objects.get(name=INTEGRATIONS))
    # Shops are tenants: the shop system's user writes only its own shop's orders.
    membership_grant(user=user, shop=shop, role="integration")
    return api_token_create(user=user, days=1)[1]


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
        "LOG_LEVEL": "WARNING",
        # One PostgreSQL backend per worker for the whole run, as in production
        # (and so that the CPU accounting below sees every backend).
        "CONN_MAX_AGE": "3600",
        "REDIS_URL": BENCH_REDIS_URL,
    }
    process = subprocess.Popen(
        [
            str(BASE_DIR / ".venv/bin/gunicorn"),
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--timeout={REQUEST_TIMEOUT}",
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


# --- payloads -------------------------------------------------------------------


def tracking_number(index: int) -> str:
    return f"BX{index:010d}"


def order(index: int, prefix: str = "B") -> dict:
    rng = random.Random(index)
    lines = []
    for _ in range(rng.randint(1, 3)):
        sku, weight = rng.choice(SKUS)
        lines.append(
            {
                "sku": sku,
                "title": f"Leinen {sku}",
                "quantity": rng.randint(1, 4),
                "unit_price": f"{rng.randint(900, 9900) / 100:.2f}",
                "unit_weight_g": weight,
                "personalisation": [{"label": "Monogramm", "value": "AMK"}] if rng.random() < 0.3 else [],
            }
        )
    total = sum(float(line["unit_price"]) * line["quantity"] for line in lines)
    return {
        "shop": SHOP,
        "number": f"{prefix}{index}",
        "placed_at": f"2026-{1 + index % 12:02d}-{1 + index % 28:02d}T10:00:00Z",
        "total": f"{total:.2f}",
        "shipping_address": {"name": "Anna Kühn", "line1": "Linienstr. 5", "city": "Berlin", "country": "DE"},
        "buyer": {"email": f"buyer{index % 20000}@example.de", "name": "Anna Kühn", "language": "de"},
        "lines": lines,
        "payment": {"method": "card", "reference": f"ch_{prefix}{index}"},
        "shipments": [
            # Each order its own parcel: a tracking number already on another order is refused.
            {
                "carrier": CARRIERS[index % len(CARRIERS)],
                "tracking_number": tracking_number(index)
                if prefix == "B"
                else f"{prefix}{tracking_number(index)}",
            }
        ],
    }


def event(index: int, shipments: int) -> dict:
    parcel, round_ = index % shipments, index // shipments
    return {
        "carrier": CARRIERS[parcel % len(CARRIERS)],
        "tracking_number": tracking_number(parcel),
        "event_id": f"ev-{index}",
        "occurred_at": f"2026-06-{1 + round_ % 28:02d}T{round_ // 28 % 24:02d}:00:00Z",
        "status": STATUSES[min(round_, len(STATUSES) - 1)],
        "location": "Berlin",
    }


# --- CPU accounting -------------------------------------------------------------
# The machine may be shared: throughput then depends on what else runs. The CPU
# seconds that gunicorn and its PostgreSQL backends spent per item do not, and
# give the rate two otherwise idle cores could sustain.

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def server_pids(gunicorn_pid: int, database_url: str) -> set[int]:
    import psycopg2

    pids = {gunicorn_pid}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == gunicorn_pid:
                        pids.add(int(entry))
            except OSError:
                continue
    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids.update(pid for (pid,) in cursor.fetchall())
    connection.close()
    return pids


def server_cpu(gunicorn_pid: int, database_url: str) -> dict[int, float]:
    return {pid: process_cpu(pid) for pid in server_pids(gunicorn_pid, database_url)}


# --- load --------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    items: int = 0
    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_item(self) -> float:
        return 1000 * self.server_cpu_seconds / self.items if self.items else 0.0

    @property
    def idle_capacity(self) -> float:
        """Items per second on two otherwise idle cores, from the server CPU spent per item."""
        return 2 * self.items / self.server_cpu_seconds if self.server_cpu_seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run_phase(name, server, database_url, port, token, path, chunks, clients) -> Phase:
    """chunks: (item count, callable building the JSON body) pairs; each is sent once.

    Bodies are encoded before the clock starts: the clients share the two
    CPUs with the server, and JSON encoding is not what we measure.
    """
    phase = Phase(name)
    print(f"  {name}: encoding {len(chunks)} request bodies...", end="\r", flush=True)
    work: queue.Queue = queue.Queue()
    for count, build in chunks:
        work.put((count, json.dumps(build()).encode()))
    lock = threading.Lock()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def client():
        while True:
            try:
                count, body = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                ok = response.status in (200, 201)
            except OSError as error:
                ok, payload = False, str(error).encode()
            finally:
                connection.close()
            elapsed = time.perf_counter() - started
            with lock:
                phase.requests += 1
                phase.latencies.append(elapsed)
                if ok:
                    phase.items += count
                else:
                    phase.failures += 1
                    if phase.failures <= 3:
                        print(f"  {name}: failed request: {payload[:300]!r}", file=sys.stderr)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    cpu_before = server_cpu(server.pid, database_url)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    total = len(chunks)
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=5)
        done = phase.requests
        print(f"  {name}: {done}/{total} requests, {phase.items} items", end="\r", flush=True)
    phase.seconds = time.perf_counter() - started
    cpu_after = server_cpu(server.pid, database_url)
    phase.server_cpu_seconds = sum(cpu - cpu_before.get(pid, 0.0) for pid, cpu in cpu_after.items())
    print(" " * 80, end="\r")
    return phase


def batches(total: int, size: int, build_one):
    def chunk(start, stop):
        return (stop - start, lambda: [build_one(index) for index in range(start, stop)])

    return [chunk(start, min(start + size, total)) for start in range(0, total, size)]


def main():
    args = parse_args()
    events = args.orders if args.events is None else args.events
    # Every parcel gets a whole story (label to delivered), one round after the other.
    parcels = max(1, min(args.orders, events // len(STATUSES)))
    print(f"Database {args.database_url}: recreating and migrating...")
    recreate_database(args.database_url)
    token = prepare(args.database_url)
    port = free_port()
    server = start_gunicorn(args.database_url, port, args.workers)
    print(
        f"gunicorn on 127.0.0.1:{port}, {args.workers} workers, {args.clients} clients, {os.cpu_count()} CPUs"
    )
    try:
        results = [
            run_phase(
                f"orders batched ({args.batch}/request)",
                server,
                args.database_url,
                port,
                token,
                "/api/v1/orders/",
                batches(args.orders, args.batch, order),
                args.clients,
            ),
            run_phase(
                "orders one per request",
                server,
                args.database_url,
                port,
                token,
                "/api/v1/orders/",
                [(1, lambda index=index: order(index, prefix="S")) for index in range(args.single)],
                args.clients,
            ),
            run_phase(
                f"tracking events batched ({args.batch}/request)",
                server,
                args.database_url,
                port,
                token,
                "/api/v1/tracking-events/",
                batches(events, args.batch, lambda index: event(index, parcels)),
                args.clients,
            ),
        ]
    finally:
        stop(server)

    from orders.models import Order, Shipment, TrackingEvent

    print()
    print(f"load average at the end: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")
    print(
        f"{'phase':<40} {'items':>8} {'reqs':>6} {'fail':>4} {'secs':>7} {'items/s':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'cpu ms/item':>11} {'idle 2-core/s':>13}"
    )
    for phase in results:
        print(
            f"{phase.name:<40} {phase.items:>8} {phase.requests:>6} {phase.failures:>4} {phase.seconds:>7.1f} "
            f"{phase.per_second:>8.0f} {phase.percentile(0.5) * 1000:>7.0f} {phase.percentile(0.95) * 1000:>7.0f} "
            f"{phase.cpu_ms_per_item:>11.2f} {phase.idle_capacity:>13.0f}"
        )
    print("cpu ms/item: gunicorn + its PostgreSQL backends; idle 2-core/s: 2 CPU-seconds / that.")
    delivered = Shipment.objects.filter(status="delivered").count()
    print(
        f"\nStored: {Order.objects.count()} orders, {TrackingEvent.objects.count()} tracking events, "
        f"{delivered} shipments delivered."
    )
    targets = [("orders batched", 1000), ("orders one per request", 150), ("tracking events batched", 2000)]
    for (label, target), phase in zip(targets, results, strict=True):
        verdict = "ok" if phase.per_second >= target and not phase.failures else "MISSED"
        print(
            f"  {label}: {phase.per_second:.0f}/s measured, {phase.idle_capacity:.0f}/s on idle cores "
            f"(target >= {target}/s) {verdict}"
        )


if __name__ == "__main__":
    main()
