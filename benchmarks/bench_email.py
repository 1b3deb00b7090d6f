"""E-mails per second through one Celery worker into a local SMTP server, and commit-to-accept latency.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python benchmarks/bench_email.py
    .venv/bin/python benchmarks/bench_email.py --emails 2000 --latency 300 --rate 20

It (re)creates a separate PostgreSQL database (default `postsale_bench_mail`;
the name must contain "bench", since it is dropped first), migrates it, starts
an aiosmtpd server and ONE worker (`--pool=solo`, so one process sends) on a
queue of its own, and measures two things:

1. throughput: `--emails` outbox rows are committed, then the worker starts;
   the rate is the number accepted by the SMTP server divided by the time from
   its first to its last accept (render in the buyer's language,
   inline CSS, SMTP, mark sent: the whole send path). Target >= 50/s.
2. latency: `--latency` more rows, committed one by one at `--rate` per
   second while the worker is idle enough to keep up; for each, the time from
   the commit of its transaction to the SMTP server's 250. Target p99 < 5 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def recreate_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: the benchmark database name must contain 'bench'.")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--latency", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="e-mails per second in the latency phase")
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_bench_mail"
        ),
    )
    args = parser.parse_args()
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not broker:
        raise SystemExit("Set REDIS_URL (or CELERY_BROKER_URL): the worker needs a real broker.")

    recreate_database(args.database)
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The laptop profile these figures were measured on (DEBUG is off unless set).
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from cases.services import case_open
    from config.celery import app as celery_app
    from messaging.services import notify_buyer
    from orders.models import Carrier, Shop
    from tests.factories import make_order
    from tests.messaging.smtp_sink import SmtpSink

    call_command("migrate", verbosity=0)
    call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)
    shop = Shop.objects.create(
        slug="bench", name="Bench & Co", default_language="de", support_email="hej@bench.example"
    )
    Carrier.objects.get_or_create(
        code="dhl", defaults={"name": "DHL", "tracking_url": "https://dhl.example/{tracking_number}"}
    )
    cases = []
    for index, language in enumerate(["sv", "de", "en"] * 10):
        order = make_order(shop, email=f"buyer{index}@example.com", language=language)
        cases.append(case_open(kind="claim", shop=shop, order=order, opened_via="api"))
    events = [
        "claim_received",
        "check_household_neighbours",
        "refund_issued",
        "replacement_shipped",
        "return_label",
    ]

    queue = f"bench-mail-{uuid.uuid4().hex[:6]}"
    celery_app.conf.task_routes = {"messaging.tasks.*": {"queue": queue}}
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)

    committed: dict[str, float] = {}

    def queue_one(n: int) -> None:
        with transaction.atomic():
            message = notify_buyer(
                case=cases[n % len(cases)], event=events[n % len(events)], context={"reason": "…"}
            )
        committed[message.message_id] = time.time()

    with SmtpSink() as sink:
        env = dict(
            os.environ, EMAIL_URL=sink.url, CELERY_BROKER_URL=broker, ANYMAIL_ESP="", LOG_LEVEL="WARNING"
        )
        # The rows are committed (and their tasks published) before the worker
        # starts: the producer and the SMTP sink share this process, and a busy
        # producer would slow the sink's answers and so the worker under test.
        print(f"phase 1: {args.emails} e-mails queued, then one worker sends them …", flush=True)
        for n in range(args.emails):
            queue_one(n)
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        try:
            sink.wait_for(args.emails, timeout=max(120, args.emails))
            first, last = sink.accepted_at[0], sink.accepted_at[args.emails - 1]
            rate = (args.emails - 1) / (last - first)
            print(f"  throughput: {rate:.1f} e-mails/s ({args.emails} in {last - first:.1f} s)")

            print(f"phase 2: {args.latency} e-mails at {args.rate:.0f}/s, commit → SMTP accept …", flush=True)
            committed.clear()
            start = time.time()
            for n in range(args.latency):
                time.sleep(max(0.0, start + n / args.rate - time.time()))
                queue_one(args.emails + n)
            messages = sink.wait_for(args.emails + args.latency, timeout=120)
            with sink.lock:
                accepted = {m["Message-ID"]: t for m, t in zip(messages, sink.accepted_at, strict=False)}
            latencies = [accepted[mid] - t for mid, t in committed.items() if mid in accepted]
            print(
                f"  latency: p50 {statistics.median(latencies) * 1000:.0f} ms, "
                f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
            )
            print(
                f"  duplicates at the SMTP server: {len(messages) - len({m['Message-ID'] for m in messages})}"
            )
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
            with celery_app.connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)


if __name__ == "__main__":
    main()
