"""Webhook answer time under load, and inbound events processed per second.

    .venv/bin/python benchmarks/bench_webhooks.py                # 200 req/s for 20 s
    .venv/bin/python benchmarks/bench_webhooks.py --rate 400 --seconds 10

It (re)creates a PostgreSQL database (default `postsale_bench_webhooks`; the
name must contain "bench", it is dropped first), starts gunicorn on 127.0.0.1
against it with Celery's broker on Redis (db 15), and sends signed Shopify
`orders/create` webhooks open-loop at a fixed rate (each request starts at its
scheduled time whether or not earlier ones have answered), 5 % of them
redeliveries of an earlier webhook id. Latency is measured from the scheduled
start, so a server that falls behind shows it. Target: p99 < 100 ms at 200/s.

Then it processes every stored event in this process, the way the Celery task
does, and reports events per second. Both phases are bounded: a fixed number
of requests, a fixed number of events.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import queue
import random
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "benchmarks"))

from bench_api import free_port, recreate_database, setup_django, start_gunicorn, stop  # noqa: E402

SHOP = "bench"
SECRET = "bench-shopify-client-secret"
BROKER = "redis://127.0.0.1:6379/15"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=200, help="requests per second")
    parser.add_argument("--seconds", type=int, default=20, help="how long to send")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=32, help="client threads (open loop)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_bench_webhooks"
        ),
    )
    return parser.parse_args()


def prepare(url: str) -> None:
    os.environ["CELERY_BROKER_URL"] = BROKER
    # The integration's secret is stored encrypted with POSTSALE_SECRETS_KEY, and looked up
    # through the cache: this process and gunicorn share both, as in production.
    setup_django(url)
    from django.core.management import call_command

    from integrations.services import integration_configure
    from orders.models import Shop

    call_command("migrate", verbosity=0)
    shop = Shop.objects.create(slug=SHOP, name="Benchmark Linen", currency="EUR", default_language="de")
    integration_configure(shop=shop, source="shopify", secret=SECRET)


def order(index: int) -> bytes:
    rng = random.Random(index)
    lines = [
        {
            "id": index * 10 + n,
            "variant_id": 800000 + n,
            "sku": f"LIN-{rng.randint(1, 200):03d}",
            "title": "Leinen",
            "name": "Leinenservietten",
            "quantity": rng.randint(1, 4),
            "price": f"{rng.randint(900, 9900) / 100:.2f}",
            "grams": 545,
            "properties": [{"name": "Monogramm", "value": "AMK"}] if rng.random() < 0.3 else [],
        }
        for n in range(rng.randint(1, 3))
    ]
    total = sum(float(line["price"]) * line["quantity"] for line in lines) + 5.9
    payload = {
        "id": 5_000_000_000 + index,
        "name": f"#B{index}",
        "email": f"buyer{index % 5000}@example.de",
        "created_at": "2026-05-04T10:00:00+02:00",
        "updated_at": "2026-05-04T10:00:00+02:00",
        "currency": "EUR",
        "customer_locale": "de-DE",
        "financial_status": "paid",
        "payment_gateway_names": ["shopify_payments"],
        "subtotal_price": f"{total - 5.9:.2f}",
        "total_tax": "0.00",
        "total_price": f"{total:.2f}",
        "total_shipping_price_set": {"shop_money": {"amount": "5.90", "currency_code": "EUR"}},
        "customer": {"first_name": "Anna", "last_name": "Kühn"},
        "shipping_address": {
            "name": "Anna Kühn",
            "address1": "Linienstr. 5",
            "zip": "10115",
            "city": "Berlin",
            "country_code": "DE",
        },
        "line_items": lines,
        "fulfillments": [
            {
                "id": index,
                "status": "success",
                "tracking_company": "DHL",
                "tracking_numbers": [f"BW{index:012d}"],
                "created_at": "2026-05-04T12:00:00+02:00",
            }
        ],
    }
    return json.dumps(payload).encode()


def signed(index: int) -> tuple[bytes, str]:
    body = order(index)
    return body, base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def request(index: int, body: bytes, port: int, signature: str | None = None) -> int:
    signature = signature or signed(index)[1]
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Webhook-Id": f"bench-{index}",
        "X-Shopify-Shop-Domain": "bench.myshopify.com",
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", f"/hooks/shopify/{SHOP}/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def load(port: int, rate: int, seconds: int, clients: int) -> dict:
    total = rate * seconds
    rng = random.Random(7)
    work: queue.Queue = queue.Queue()
    results = []
    lock = threading.Lock()
    # Bodies and signatures are made before the clock starts: the client must not compete for CPU.
    prepared = {}
    schedule = []
    for n in range(total):
        # 5 % are redeliveries of an earlier webhook: stored once, answered 200.
        index = rng.randrange(n) if n > 20 and rng.random() < 0.05 else n
        prepared.setdefault(index, signed(index))
        schedule.append(index)
    start = time.perf_counter() + 0.5
    for n, index in enumerate(schedule):
        work.put((start + n / rate, index))

    def client():
        while True:
            try:
                due, index = work.get_nowait()
            except queue.Empty:
                return
            body, signature = prepared[index]
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                status = request(index, body, port, signature)
            except OSError:
                status = 0
            elapsed = time.perf_counter() - due
            with lock:
                results.append((status, elapsed))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    latencies = sorted(elapsed for _, elapsed in results)
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {
        "requests": len(results),
        "achieved_rate": round(len(results) / wall, 1),
        "statuses": statuses,
        "p50_ms": round(pct(50), 1),
        "p95_ms": round(pct(95), 1),
        "p99_ms": round(pct(99), 1),
        "max_ms": round(latencies[-1] * 1000, 1),
    }


def process() -> dict:
    from integrations.models import InboundEvent
    from integrations.services import inbound_event_process

    ids = list(InboundEvent.objects.order_by("id").values_list("pk", flat=True))
    started = time.perf_counter()
    statuses: dict[str, int] = {}
    for pk in ids:
        event = inbound_event_process(event_id=pk)
        if event is not None:
            statuses[event.status] = statuses.get(event.status, 0) + 1
    elapsed = time.perf_counter() - started
    return {
        "events": len(ids),
        "seconds": round(elapsed, 1),
        "per_second": round(len(ids) / elapsed, 1),
        "statuses": statuses,
    }


def drain_broker() -> None:
    # The tasks gunicorn queued are not run here (processing is measured in-process); drop them.
    import redis

    client = redis.Redis.from_url(BROKER)
    for key in [b"celery", *client.keys("_kombu.binding.*"), *client.keys("unacked*")]:
        client.delete(key)


def main():
    args = parse_args()
    recreate_database(args.database_url)
    prepare(args.database_url)
    os.environ["CELERY_BROKER_URL"] = BROKER
    port = free_port()
    server = start_gunicorn(args.database_url, port, args.workers)
    try:
        # A few requests first so every worker has connected to the database and the broker.
        for n in range(args.workers * 4):
            request(10_000_000 + n, order(10_000_000 + n), port)
        figures = load(port, args.rate, args.seconds, args.clients)
    finally:
        stop(server)
    print("answer time:", json.dumps(figures))
    figures_processing = process()
    print("processing:", json.dumps(figures_processing))
    drain_broker()
    refused = sum(count for status, count in figures["statuses"].items() if not 200 <= status < 300)
    if refused:
        # A fast 401 is not a fast webhook: the run measured nothing worth reporting.
        sys.exit(f"{refused} requests were not answered 2xx: the figures above do not count.")
    verdict = "ok" if figures["p99_ms"] < 100 else "MISSED"
    print(f"p99 {figures['p99_ms']} ms at {figures['achieved_rate']} requests/s (target < 100 ms) {verdict}")


if __name__ == "__main__":
    main()
