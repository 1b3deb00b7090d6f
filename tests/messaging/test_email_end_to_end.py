"""End to end: a real Celery worker process, real Redis, a real SMTP server (aiosmtpd).

The worker is a separate process, so it must see what the test wrote: the
tests commit (transaction=True) and the worker is pointed at the same test
database through DATABASE_URL.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from config.celery import app as celery_app
from messaging import tasks
from messaging.models import BuyerEvent, OutboundMessage, OutboundStatus
from messaging.services.outbox import notify_buyer
from tests.factories import make_claim, make_order

from .smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
STALE_SECONDS = 3

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: needs a real Redis broker"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _needs_shared_database():
    if connection.vendor == "sqlite":
        pytest.skip(
            "the worker process cannot see SQLite's in-memory test database; run with DATABASE_URL=postgres://…"
        )


@pytest.fixture
def queue():
    # A queue of our own, so a developer's worker on the same Redis never takes these tasks.
    name = f"test-messaging-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_routes
    celery_app.conf.task_routes = {"messaging.tasks.*": {"queue": name}}
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    yield name
    celery_app.conf.task_routes = previous
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_delete(name)


@pytest.fixture
def sink():
    with SmtpSink() as sink:
        yield sink


class Worker:
    def __init__(self, *, queue: str, smtp_url: str):
        self.queue = queue
        self.smtp_url = smtp_url
        self.process = None

    def start(self):
        db = connection.settings_dict
        env = dict(
            os.environ,
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", os.environ["REDIS_URL"]),
            EMAIL_URL=self.smtp_url,
            ANYMAIL_ESP="",
            POSTSALE_EMAIL_STALE_SECONDS=str(STALE_SECONDS),
            CONN_MAX_AGE="0",
        )
        if db.get("PASSWORD"):
            env["DATABASE_URL"] = env["DATABASE_URL"].replace(
                f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@"
            )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{uuid.uuid4().hex[:4]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        return self

    def kill(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(queue, sink):
    started = []

    def start():
        worker = Worker(queue=queue, smtp_url=sink.url).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_until(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def open_claim_for(shop, *, language):
    order = make_order(shop, email=f"kund-{uuid.uuid4().hex[:6]}@example.se", language=language)
    with transaction.atomic():
        claim = make_claim(order, "lost_in_transit", opened_via="portal")
        # sequence=1: if claim_open already queues the acknowledgement, this returns that row.
        message = notify_buyer(case=claim.case, event=BuyerEvent.CLAIM_RECEIVED, sequence=1)
    return claim, message


def test_claim_for_swedish_buyer_gives_one_swedish_email(shop, workers, sink):
    workers()
    claim, message = open_claim_for(shop, language="sv")

    [email] = sink.wait_for(1)
    time.sleep(1.5)

    assert sink.count() == 1
    assert email["Content-Language"] == "sv"
    assert email["To"].addresses[0].addr_spec == claim.case.buyer.email
    assert claim.case.reference in email["Subject"]
    assert "Vi har tagit emot" in email["Subject"]
    assert email["Reply-To"].addresses[0].addr_spec.startswith("reply+")
    assert email["Message-ID"] == message.message_id
    assert email.get_body(("html",)) is not None and email.get_body(("plain",)) is not None
    wait_until(lambda: OutboundMessage.objects.get(pk=message.pk).status == OutboundStatus.SENT)


def test_same_task_delivered_twice_sends_one_email(shop, workers, sink):
    claim, message = open_claim_for(shop, language="de")
    # Before any worker runs, two more deliveries of the same task are waiting behind the first.
    tasks.send_message.delay(message.pk)
    tasks.send_message.delay(message.pk)

    workers()
    sink.wait_for(1)
    wait_until(lambda: OutboundMessage.objects.get(pk=message.pk).status == OutboundStatus.SENT)
    time.sleep(3)

    assert sink.count() == 1
    assert OutboundMessage.objects.get(pk=message.pk).attempts == 1


def test_worker_killed_mid_send_leads_to_exactly_one_email_after_restart(shop, workers, sink):
    sink.hold.set()
    first = workers()
    claim, message = open_claim_for(shop, language="sv")
    assert sink.held.wait(30), "the worker never reached the SMTP server"

    # Killed in the middle of the SMTP conversation: the row is claimed, nothing was accepted.
    first.kill()
    sink.hold.clear()
    row = OutboundMessage.objects.get(pk=message.pk)
    assert row.status == OutboundStatus.SENDING
    assert sink.count() == 0

    time.sleep(STALE_SECONDS + 0.5)
    workers()
    # The beat sweep's job, run here at once instead of waiting for its schedule.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "POSTSALE_EMAIL_STALE_SECONDS", STALE_SECONDS)
        assert tasks.outbox_sweep() == 1

    sink.wait_for(1)
    wait_until(lambda: OutboundMessage.objects.get(pk=message.pk).status == OutboundStatus.SENT)
    time.sleep(2)
    assert sink.count() == 1
    assert OutboundMessage.objects.get(pk=message.pk).attempts == 2
