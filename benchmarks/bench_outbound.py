"""Refunds through a payment provider: 1,000 refunds sent by two worker processes to a fake Stripe answering in 50 ms.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python benchmarks/bench_outbound.py
    .venv/bin/python benchmarks/bench_outbound.py --refunds 200 --latency-ms 50 --workers 2

It (re)creates a separate PostgreSQL database (default `postsale_bench_outbound`;
the name must contain "bench", since it is dropped first), migrates it, connects
a shop to the local fake Stripe of the tests (`tests/integrations/fake_stripe.py`,
every answer `--latency-ms` late), and makes `--refunds` refunds with
`cases.refunds.refund_issue`, each in its own transaction, as an agent's click
does: each writes its outbound call and publishes its task after commit. Then
`--workers` Celery workers (`--pool=solo`: one process each) start, and the
figure is the time from their start until every call has succeeded. Target with
1,000 refunds, 50 ms and two workers: under 60 s. It also counts what the fake
received: requests, refunds made, and refunds made twice for one call (must be 0).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.bench_email import recreate_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--refunds", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_bench_outbound"
        ),
    )
    args = parser.parse_args()
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not broker:
        raise SystemExit("Set REDIS_URL (or CELERY_BROKER_URL): the workers need a real broker.")

    recreate_database(args.database)
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from cases.models import OutboundCall, OutboundStatus
    from cases.refunds import refund_issue
    from cases.services import case_open
    from config.celery import app as celery_app
    from integrations.services import integration_configure
    from orders.models import Carrier, Shop
    from tests.factories import make_order
    from tests.integrations.fake_stripe import API_KEY, FakeStripe

    call_command("migrate", verbosity=0)
    fake = FakeStripe(latency=args.latency_ms / 1000).start()
    shop = Shop.objects.create(
        slug="bench", name="Bench & Co", default_language="de", support_email="hej@bench.example"
    )
    Carrier.objects.get_or_create(
        code="dhl", defaults={"name": "DHL", "tracking_url": "https://dhl.example/{tracking_number}"}
    )
    integration_configure(shop=shop, source="stripe", secret="whsec_bench", api_key=API_KEY, api_url=fake.url)

    queue = f"bench-outbound-{uuid.uuid4().hex[:6]}"
    elsewhere = f"{queue}-other"  # the buyer's e-mails: not what is measured here
    celery_app.conf.task_routes = {
        "cases.tasks.send_outbound_call": {"queue": queue},
        "*": {"queue": elsewhere},
    }
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)

    print(f"{args.refunds} refunds made, each with its outbound call …", flush=True)
    per_order = 10  # ten refunds of 1.00 on each order: fewer orders to make
    for start in range(0, args.refunds, per_order):
        order = make_order(
            shop,
            number=f"B{start}",
            payment={"method": "card", "status": "paid", "reference": f"pi_bench{start}"},
        )
        case = case_open(kind="claim", shop=shop, order=order, opened_via="api")
        for n in range(start, min(start + per_order, args.refunds)):
            with transaction.atomic():
                refund_issue(case=case, amount=Decimal("1.00"), idempotency_key=f"bench-{n}")
    assert OutboundCall.objects.count() == args.refunds

    env = dict(os.environ, CELERY_BROKER_URL=broker, LOG_LEVEL="WARNING")
    print(f"{args.workers} workers send them to a Stripe answering in {args.latency_ms} ms …", flush=True)
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
                "-n", f"{queue}-{n}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        for n in range(args.workers)
    ]  # fmt: skip
    try:
        deadline = started + max(300, args.refunds)
        while OutboundCall.objects.exclude(status=OutboundStatus.SUCCEEDED).exists():
            if time.monotonic() > deadline:
                raise SystemExit("Timed out waiting for the workers.")
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
            conn.default_channel.queue_delete(elsewhere)
        fake.stop()

    done = OutboundCall.objects.order_by("completed_at").values_list("completed_at", flat=True)
    steady = (done[len(done) - 1] - done[0]).total_seconds()
    keys = [request["headers"].get("idempotency-key") for request in fake.requests]
    per_key = {}
    for refund in fake.refunds:
        per_key[refund["metadata"]["postsale_refund_id"]] = (
            per_key.get(refund["metadata"]["postsale_refund_id"], 0) + 1
        )
    print(
        f"  {args.refunds} refunds in {elapsed:.1f} s ({args.refunds / elapsed:.1f}/s), target < 60 s for 1,000"
    )
    print(f"  from the first refund done to the last: {steady:.1f} s ({(args.refunds - 1) / steady:.1f}/s)")
    print(f"  requests at the fake: {len(keys)}, refunds made: {len(fake.refunds)}")
    print(f"  refunds made twice: {sum(count - 1 for count in per_key.values())}")


if __name__ == "__main__":
    main()
