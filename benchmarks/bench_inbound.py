"""How long a hostile e-mail takes: the reader on a megabyte built to make it backtrack, and the whole way.

    .venv/bin/python benchmarks/bench_inbound.py                  # the reader only, no database
    .venv/bin/python benchmarks/bench_inbound.py --end-to-end     # and webhook + worker on PostgreSQL

The reader part times `messaging.mailparse.strip_quoted` (and `html_text`) on
one megabyte of each kind of text that made the old code slow, next to the old
attribution pattern on a few kilobytes of the first kind (it grows with the
square of the line: 12.5 s for 14 kB on the machine the issue was found on).

`--end-to-end` (re)creates a PostgreSQL database (default
`postsale_bench_inbound`; its name must contain "bench", it is dropped
first), posts a reply with a 1 MB hostile line to the Mailgun inbound webhook
through Django's test client, and then reads the stored delivery the way the
Celery task does: the webhook's answer time and the worker's read time, the
figures the README's "Measured speed" table gives.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "benchmarks"))

# The attribution pattern before this was fixed, kept here to show what it cost.
OLD_ATTRIBUTION = re.compile(r"^(?:(?:Am|Den|On)\s+\S.*?\d|\d).*\s(?:schrieb|skrev|wrote)\b.*:$")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per text; the median is shown")
    parser.add_argument("--old-up-to", type=int, default=8_000, help="longest line given to the old pattern")
    parser.add_argument(
        "--end-to-end", action="store_true", help="also post through the webhook and the worker"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_bench_inbound"
        ),
    )
    return parser.parse_args()


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def reader(repeat: int, old_up_to: int) -> None:
    from messaging.mailparse import html_text, strip_quoted
    from tests.messaging import hostile

    print(f"{'text (1 MB)':40} {'median':>10}")
    for name, text in hostile.TEXTS.items():
        print(f"{name:40} {median_seconds(lambda text=text: strip_quoted(text), repeat) * 1000:8.1f} ms")
    for name, html in hostile.HTML.items():
        print(f"html: {name:34} {median_seconds(lambda html=html: html_text(html), repeat) * 1000:8.1f} ms")
    print("\nthe old attribution pattern on one line of 'Am 1 1 1 …' (and the line wrapped onto the next):")
    size = 1_000
    while size <= old_up_to:
        line = "Am " + "1 " * (size // 2)
        took = median_seconds(lambda line=line: OLD_ATTRIBUTION.match(f"{line} {line}"), 1)
        print(f"{size:>8} characters {took:8.2f} s")
        size *= 2


def end_to_end(url: str, repeat: int) -> None:
    from bench_api import recreate_database

    recreate_database(url)
    os.environ.update(
        DATABASE_URL=url,
        DEBUG="true",
        POSTSALE_DATA_DIR=tempfile.mkdtemp(prefix="bench-inbound-"),
        CELERY_BROKER_URL="memory://",
        EMAIL_URL="memorymail://",
        POSTSALE_WEBHOOK_ESP="mailgun",
        ANYMAIL_WEBHOOK_SECRET="bench:bench-webhook-secret-0123",
        ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY="bench-signing-key",
        POSTSALE_INBOUND_PER_SENDER="100000",
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import base64
    import hashlib
    import hmac
    from email.message import EmailMessage

    from django.core.management import call_command
    from django.test import Client

    from messaging.models import InboundDelivery
    from messaging.services.deliveries import inbound_delivery_process
    from orders.models import Shop
    from tests.messaging import hostile

    call_command("migrate", verbosity=0)
    Shop.objects.create(slug="bench", name="Bench Linen", currency="EUR", support_email="hilfe@bench.example")
    auth = "Basic " + base64.b64encode(b"bench:bench-webhook-secret-0123").decode()

    def post(raw: str, token: str):
        timestamp = str(int(time.time()))
        signature = hmac.new(b"bench-signing-key", f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
        form = {"body-mime": raw, "timestamp": timestamp, "token": token, "signature": signature}
        return Client().post("/anymail/mailgun/inbound_mime/", form, HTTP_AUTHORIZATION=auth)

    def hostile_reply(n: int) -> str:
        message = EmailMessage()
        message["From"] = f"Buyer {n} <buyer{n}@example.de>"
        message["To"] = "hilfe@bench.example"
        message["Subject"] = "Frage"
        message["Message-ID"] = f"<bench-{n}-{time.time_ns()}@example.de>"
        message.set_content("Wo ist mein Paket?\n" + hostile.ATTRIBUTION_LINE)
        return message.as_string()

    answers, reads = [], []
    for n in range(repeat):
        raw = hostile_reply(n)
        started = time.perf_counter()
        response = post(raw, f"t{n}")
        answers.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        delivery = InboundDelivery.objects.latest("id")
        started = time.perf_counter()
        delivery = inbound_delivery_process(delivery_id=delivery.pk)
        reads.append(time.perf_counter() - started)
        assert delivery.status == "processed", (delivery.status, delivery.error)
    print(f"\nend to end, a reply with a 1 MB hostile line ({len(raw):,} bytes of MIME), {repeat} runs:")
    print(
        f"  webhook answer (check the signature, store):  median {statistics.median(answers) * 1000:.0f} ms, "
        f"max {max(answers) * 1000:.0f} ms"
    )
    print(
        f"  worker read (parse, strip, store the case):   median {statistics.median(reads) * 1000:.0f} ms, "
        f"max {max(reads) * 1000:.0f} ms"
    )


def main():
    args = parse_args()
    reader(args.repeat, args.old_up_to)
    if args.end_to_end:
        end_to_end(args.database_url, args.repeat)


if __name__ == "__main__":
    main()
