"""Faults as operators meet them, while e-mails, webhooks and provider calls are in flight.

    make chaos        # the full run: about 8 minutes
    make chaos-ci     # the reduced run in .ci/run: under 3 minutes
    .venv/bin/python benchmarks/chaos.py --help

Everything runs on this machine, over loopback:

- PostgreSQL: a database of its own, dropped and made again (`postsale_chaos`
  on the server of DATABASE_URL, else postgres://postgres@127.0.0.1:5432; the
  name must contain "chaos"), migrated;
- a Redis broker of its own and a Redis cache of its own (`redis-server` on free
  ports, the broker with an append-only file, as docker-compose.yml runs it);
- gunicorn (2 workers), two Celery prefork workers (queue `celery`, 2 processes
  each), the sweeper (queue `sweeps`) and beat, with short sweep intervals and
  timeouts so the run takes minutes, not hours;
- an aiosmtpd SMTP server (tests/messaging/smtp_sink.py) and the fake Stripe of
  the tests (tests/integrations/fake_stripe.py), in this process.

Phases, each with the same load spread over its length (claims posted to
`POST /api/v1/claims/`, each sending the buyer e-mails; signed Shopify order
webhooks posted to `/hooks/shopify/<shop>/`; refunds issued as an agent's click
does, each an outbound call to Stripe), and one kind of fault in its middle:

    baseline        no fault
    worker-kill     a worker's process group SIGKILLed, restarted a second later
    broker-down     the broker stopped for some seconds, then started again
    smtp-down       the SMTP server stopped for some seconds
    db-terminate    every connection to the database terminated (pg_terminate_backend)

Then it waits until every e-mail, webhook and call has settled and counts, per
phase: lost (an e-mail the SMTP server never received, a webhook answered 2xx
whose order never appeared, a refund never made at Stripe), duplicated (a
Message-ID the SMTP server received twice, a refund Stripe made twice for one
call), and API 5xx. A 5xx of a request in flight while its database connection
was terminated is counted apart ("db"): the database went away under it. Exit
status 1 if anything was lost or any other 5xx was answered.
"""

from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import hmac
import json
import logging
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SHOPIFY_SECRET = "shpss_chaos_signing_key"
PHASES = ("baseline", "worker-kill", "broker-down", "smtp-down", "db-terminate")

# Short timeouts so that what a killed worker or a lost task left behind is taken up within seconds.
TUNING = {
    "POSTSALE_EMAIL_LOST_SECONDS": "10",
    "POSTSALE_EMAIL_STALE_SECONDS": "20",
    "POSTSALE_EMAIL_FIRST_RETRY": "2",
    "POSTSALE_EMAIL_MAX_ATTEMPTS": "12",
    "POSTSALE_OUTBOUND_LOST_SECONDS": "10",
    "POSTSALE_OUTBOUND_STALE_SECONDS": "20",
    "POSTSALE_OUTBOUND_FIRST_RETRY": "2",
    "POSTSALE_OUTBOUND_MAX_ATTEMPTS": "12",
    "POSTSALE_WEBHOOK_LOST_SECONDS": "10",
    "POSTSALE_INBOUND_STALE_SECONDS": "20",
    "POSTSALE_EMAIL_SWEEP_SECONDS": "3",
    "POSTSALE_OUTBOUND_SWEEP_SECONDS": "3",
    "POSTSALE_INBOUND_SWEEP_SECONDS": "3",
    "POSTSALE_WEBHOOK_SWEEP_SECONDS": "3",
    # A worker that stopped consuming exits after this and the supervisor below starts it again.
    "POSTSALE_WORKER_STALL_SECONDS": "20",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited at start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {timeout} s")


def migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(BASE_DIR.glob("*/migrations/*.py")):
        digest.update(path.relative_to(BASE_DIR).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:32]


def recreate_database(url: str) -> None:
    """A new, migrated database at `url`, copied from a migrated template kept beside it.

    Migrating from nothing takes a minute or more; the template (`<name>_template`) is
    migrated again only when a migration file changed, and copied in a second.
    """
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "chaos" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: the chaos database's name must contain 'chaos'.")
    template = f"{name}_template"
    fingerprint = migrations_fingerprint()
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
        )
        row = cursor.fetchone()
        if row is None or row[0] != fingerprint:
            print("  migrating the template database (once per change of the migrations) …", flush=True)
            cursor.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{template}"')
            env = {
                **os.environ,
                "DATABASE_URL": urlunsplit(parts._replace(path=f"/{template}")),
                "DEBUG": "true",
            }
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                cwd=BASE_DIR,
                env=env,
                check=True,
            )
            cursor.execute(f'COMMENT ON DATABASE "{template}" IS %s', [fingerprint])
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    admin.close()


# --- the processes ------------------------------------------------------------------------


class Redis:
    """A redis-server of our own; `stop()` and `start()` again on the same port and files."""

    def __init__(self, name: str, workdir: Path, *, persistent: bool):
        self.port = free_port()
        self.dir = workdir / name
        self.dir.mkdir()
        self.args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir)]
        self.args += ["--save", ""]
        self.args += (
            ["--appendonly", "yes", "--appendfsync", "always"] if persistent else ["--appendonly", "no"]
        )
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        # SHUTDOWN as an operator's restart does: clients see the connection refused until it is back.
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)


class Service:
    """A process group (gunicorn, a Celery worker, beat) that can be killed and started again."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name, self.args, self.env, self.log = name, args, env, log
        self.process = None
        self.held = False  # killed or stopped on purpose: the supervisor leaves it alone
        self.restarts = 0  # exits the supervisor answered with a fresh process

    def start(self) -> Service:
        out = open(self.log, "ab")  # noqa: SIM115 (kept open for the process's life)
        self.process = subprocess.Popen(
            self.args, cwd=BASE_DIR, env=self.env, stdout=out, stderr=out, start_new_session=True
        )
        self.held = False
        return self

    def exited(self) -> bool:
        return not self.held and self.process is not None and self.process.poll() is not None

    def kill(self) -> None:
        self.held = True
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        self.held = True
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", *args]


def worker_args(queue: str, name: str, concurrency: int) -> list[str]:
    # INFO: each task's receipt and outcome is in the log kept with --keep.
    return celery(
        "worker", "--pool=prefork", f"--concurrency={concurrency}", "-Q", queue, "-n", f"{name}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    )  # fmt: skip


# --- what is measured ---------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    faults: str = ""
    claims: int = 0
    webhooks: int = 0
    refunds: int = 0
    started: float = 0.0
    # Rows made in this phase: (first id, last id] per model, filled in when the phase ends.
    ids: dict = field(default_factory=dict)
    webhook_numbers: list = field(default_factory=list)  # orders whose webhook was answered 2xx
    http: collections.Counter = field(default_factory=collections.Counter)
    server_errors: list = field(default_factory=list)  # (started, ended, path, status)


class Chaos:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="postsale-chaos-"))
        self.terminations: list[float] = []
        self.lock = threading.Lock()
        self.services: dict[str, Service] = {}

    # --- set-up --------------------------------------------------------------------

    def setup(self) -> None:
        args = self.args
        recreate_database(args.database)
        self.broker = Redis("broker", self.workdir, persistent=True)
        self.cache = Redis("cache", self.workdir, persistent=False)
        self.broker.start()
        self.cache.start()

        from tests.integrations.fake_stripe import API_KEY, FakeStripe
        from tests.messaging.smtp_sink import SmtpSink

        self.smtp = SmtpSink().__enter__()
        # A server that takes a moment to accept, so sends are in flight when a worker is killed.
        self.smtp.on_accept = lambda _message: time.sleep(args.smtp_latency_ms / 1000)
        self.stripe = FakeStripe().start()
        self.web_port = free_port()
        self.env = {
            **os.environ,
            **TUNING,
            "DATABASE_URL": args.database,
            "REDIS_URL": self.cache.url,
            "CELERY_BROKER_URL": self.broker.url,
            "EMAIL_URL": self.smtp.url,
            "ANYMAIL_ESP": "",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "POSTSALE_SECRETS_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "POSTSALE_DATA_DIR": str(self.workdir / "data"),
        }
        os.environ.update(self.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # nothing left to do on a copy of the template
        self._seed(API_KEY)

        venv_bin = Path(sys.executable).parent
        gunicorn = [
            str(venv_bin / "gunicorn"), "config.wsgi", f"--bind=127.0.0.1:{self.web_port}", "--workers=2",
            "--timeout=60", "--log-level=warning",
        ]  # fmt: skip
        specs = {
            "web": gunicorn,
            "worker-1": worker_args("celery", "chaos-1", 2),
            "worker-2": worker_args("celery", "chaos-2", 2),
            "sweeper": worker_args("sweeps", "chaos-sweeper", 1),
            "beat": celery(
                "beat", "--loglevel=INFO", "--scheduler=celery.beat:PersistentScheduler",
                f"--schedule={self.workdir / 'beat-schedule'}",
            ),
        }  # fmt: skip
        for name, command in specs.items():
            self.services[name] = Service(name, command, self.env, self.workdir / f"{name}.log").start()
        wait_for_port(self.web_port, self.services["web"].process)
        threading.Thread(target=self._supervise, name="supervisor", daemon=True).start()
        time.sleep(3)  # the workers connect to the broker

    def _supervise(self) -> None:
        """What docker's `restart: unless-stopped` does: a process that exited by itself (a worker
        whose watchdog found it stuck) is started again."""
        while True:
            time.sleep(1)
            for service in list(self.services.values()):
                if service.exited():
                    print(
                        f"    {service.name} exited ({service.process.returncode}); starting it again",
                        flush=True,
                    )
                    service.restarts += 1
                    service.start()

    def _seed(self, stripe_key: str) -> None:
        from django.contrib.auth.models import Group, User
        from django.db import transaction

        from cases.services import case_open
        from config.api_tokens import api_token_create
        from config.roles import AGENTS
        from integrations.services import integration_configure
        from orders.models import Carrier, Shop
        from orders.services.memberships import membership_grant
        from tests.factories import make_order

        shop = Shop.objects.create(
            slug="chaos",
            name="Chaos & Co",
            currency="EUR",
            default_language="de",
            support_email="hej@chaos.example",
        )
        Carrier.objects.get_or_create(
            code="dhl", defaults={"name": "DHL", "tracking_url": "https://dhl.example/{tracking_number}"}
        )
        integration_configure(shop=shop, source="shopify", secret=SHOPIFY_SECRET)
        integration_configure(
            shop=shop, source="stripe", secret="whsec_chaos", api_key=stripe_key, api_url=self.stripe.url
        )
        agent = User.objects.create_user("chaos-agent", password=None)
        agent.groups.add(Group.objects.get(name=AGENTS))
        membership_grant(user=agent, shop=shop, role="agent")
        self.token = api_token_create(user=agent, days=1)[1]
        self.shop = shop

        per_phase = self.args.claims
        self.claim_orders = {
            phase: [
                make_order(shop, number=f"C{phase_no}-{n}", email=f"buyer{phase_no}-{n}@example.de").pk
                for n in range(per_phase)
            ]
            for phase_no, phase in enumerate(PHASES)
        }
        # Refunds of 1.00, ten on one order's case, each with its own idempotency key.
        self.refund_cases = {}
        for phase_no, phase in enumerate(PHASES):
            cases = []
            for n in range(0, self.args.refunds, 10):
                order = make_order(
                    shop,
                    number=f"R{phase_no}-{n}",
                    email=f"refund{phase_no}-{n}@example.de",
                    payment={"method": "card", "status": "paid", "reference": f"pi_chaos{phase_no}x{n}"},
                )
                with transaction.atomic():
                    cases.append(case_open(kind="claim", shop=shop, order=order, opened_via="api").pk)
            self.refund_cases[phase] = cases

    # --- load --------------------------------------------------------------------------

    def _http(self, phase: Phase, method: str, path: str, **kwargs):
        import requests

        started = time.monotonic()
        try:
            response = requests.request(
                method, f"http://127.0.0.1:{self.web_port}{path}", timeout=60, **kwargs
            )
            status = response.status_code
        except requests.RequestException:
            response, status = None, 599  # no answer at all: counted with the server errors
        ended = time.monotonic()
        with self.lock:
            phase.http[status // 100 * 100] += 1
            if status >= 500:
                phase.server_errors.append((started, ended, path, status))
        return response

    def post_claim(self, phase: Phase, order_id: int) -> None:
        self._http(
            phase, "POST", "/api/v1/claims/",
            json={"order": order_id, "type": "damaged", "statement": "Die Ecke ist eingedrückt."},
            headers={"Authorization": f"Token {self.token}"},
        )  # fmt: skip

    def post_webhook(self, phase: Phase, number: int) -> None:
        from tests.integrations.shopify import ORDER

        payload = {**ORDER, "id": 7_000_000 + number, "name": f"#W{number}", "order_number": number}
        body = json.dumps(payload).encode()
        signature = base64.b64encode(
            hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()
        ).decode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": "chaos.myshopify.com",
            "X-Shopify-Webhook-Id": f"chaos-{number}",
            "X-Shopify-API-Version": "2025-01",
        }
        response = self._http(phase, "POST", f"/hooks/shopify/{self.shop.slug}/", data=body, headers=headers)
        if response is not None and response.status_code < 300:
            with self.lock:
                phase.webhook_numbers.append(f"#W{number}")

    def issue_refund(self, phase: Phase, case_id: int, key: str) -> None:
        """As an agent's click does, in this process: the call is written, then published after commit."""
        from django.db import OperationalError, close_old_connections, transaction

        from cases.models import Case
        from cases.refunds import refund_issue

        for _attempt in range(5):
            close_old_connections()
            try:
                with transaction.atomic():
                    refund_issue(
                        case=Case.objects.get(pk=case_id), amount=Decimal("1.00"), idempotency_key=key
                    )
                return
            except OperationalError:
                # Our own connection was terminated: nothing was saved, the same key is tried again.
                from django.db import connection

                connection.close()
                time.sleep(0.5)
        raise SystemExit(f"refund {key} could not be written")

    def run_phase(self, phase: Phase, fault) -> None:
        from django.db import close_old_connections

        from cases.models import OutboundCall
        from integrations.models import InboundEvent
        from messaging.models import OutboundMessage

        models = {"emails": OutboundMessage, "calls": OutboundCall, "webhooks": InboundEvent}

        def newest() -> dict:
            close_old_connections()  # with CONN_HEALTH_CHECKS, a terminated connection is replaced
            return {
                key: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                for key, model in models.items()
            }

        first = newest()
        index = PHASES.index(phase.name)
        work = [("claim", order_id) for order_id in self.claim_orders[phase.name]]
        work += [("webhook", index * 100_000 + n) for n in range(self.args.webhooks)]
        work += [
            ("refund", (case_id, f"chaos-{phase.name}-{case_id}-{n}"))
            for case_id in self.refund_cases[phase.name]
            for n in range(10)
        ][: self.args.refunds]
        random.Random(index).shuffle(work)
        phase.claims = sum(kind == "claim" for kind, _ in work)
        phase.webhooks = sum(kind == "webhook" for kind, _ in work)
        phase.refunds = sum(kind == "refund" for kind, _ in work)

        print(f"  {phase.name}: {len(work)} requests over {self.args.phase_seconds} s …", flush=True)
        phase.started = time.monotonic()
        fault_thread = threading.Thread(target=fault, args=(phase,), daemon=True)
        fault_thread.start()
        gap = self.args.phase_seconds / max(len(work), 1)
        with ThreadPoolExecutor(max_workers=8) as pool:
            for kind, item in work:
                if kind == "claim":
                    pool.submit(self.post_claim, phase, item)
                elif kind == "webhook":
                    pool.submit(self.post_webhook, phase, item)
                else:
                    pool.submit(self.issue_refund, phase, *item)
                time.sleep(gap)
        fault_thread.join()
        last = newest()
        phase.ids = {key: (first[key], last[key]) for key in models}

    # --- faults ------------------------------------------------------------------------

    def _at(self, phase: Phase, fraction: float) -> None:
        """Sleep until `fraction` of the phase has passed."""
        time.sleep(max(0.0, phase.started + fraction * self.args.phase_seconds - time.monotonic()))

    def no_fault(self, phase: Phase) -> None:
        phase.faults = "none"

    def kill_workers(self, phase: Phase) -> None:
        kills = self.args.kills
        for n in range(kills):
            self._at(phase, 0.15 + 0.7 * n / max(kills, 1))
            service = self.services[f"worker-{n % 2 + 1}"]
            service.kill()
            time.sleep(1)
            service.start()
        phase.faults = f"{kills} × SIGKILL of a worker (2 processes each)"

    def stop_broker(self, phase: Phase) -> None:
        self._at(phase, 0.25)
        self.broker.stop()
        time.sleep(self.args.outage_seconds)
        self.broker.start()
        phase.faults = f"broker stopped {self.args.outage_seconds} s"

    def stop_smtp(self, phase: Phase) -> None:
        from aiosmtpd.controller import Controller

        from tests.messaging.smtp_sink import _Handler

        self._at(phase, 0.25)
        self.smtp.controller.stop()
        time.sleep(self.args.outage_seconds)
        self.smtp.controller = Controller(_Handler(self.smtp), hostname="127.0.0.1", port=self.smtp.port)
        self.smtp.controller.start()
        phase.faults = f"SMTP stopped {self.args.outage_seconds} s"

    def terminate_connections(self, phase: Phase) -> None:
        import psycopg2

        name = urlsplit(self.args.database).path.lstrip("/")
        admin = psycopg2.connect(urlunsplit(urlsplit(self.args.database)._replace(path="/postgres")))
        admin.autocommit = True
        times = self.args.terminations
        for n in range(times):
            self._at(phase, 0.1 + 0.8 * n / max(times, 1))
            with admin.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
                terminated = cursor.fetchone()[0]
            with self.lock:
                self.terminations.append(time.monotonic())
            print(f"    terminated {terminated} database connections", flush=True)
        admin.close()
        phase.faults = f"{times} × every database connection terminated"

    # --- the end -----------------------------------------------------------------------

    def settle(self, phases: list[Phase]) -> bool:
        from django.db import close_old_connections

        from cases.models import OutboundCall
        from cases.models import OutboundStatus as CallStatus
        from integrations.models import InboundEvent, InboundStatus
        from messaging.models import OutboundMessage, OutboundStatus

        deadline = time.monotonic() + self.args.settle_seconds
        while time.monotonic() < deadline:
            close_old_connections()
            open_emails = OutboundMessage.objects.filter(
                status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING]
            ).count()
            open_calls = OutboundCall.objects.exclude(
                status__in=[CallStatus.SUCCEEDED, CallStatus.FAILED]
            ).count()
            open_hooks = InboundEvent.objects.filter(status=InboundStatus.RECEIVED).count()
            if not (open_emails or open_calls or open_hooks):
                return True
            time.sleep(1)
        print(
            f"  still open after {self.args.settle_seconds} s: {open_emails} e-mails, {open_calls} calls, {open_hooks} webhooks"
        )
        # What a reader of a failed CI run needs: the rows left, and what the sweeps last did.
        for row in OutboundMessage.objects.filter(
            status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING]
        ).values("pk", "event", "status", "attempts", "created_at", "claimed_at", "next_attempt_at")[:20]:
            print(f"    e-mail {row}")
        for name in ("sweeper", "beat"):
            lines = (self.workdir / f"{name}.log").read_text(errors="replace").splitlines()
            print(f"  --- the last lines of {name}.log:")
            for line in lines[-15:]:
                print(f"    {line[:200]}")
        return False

    def count(self, phase: Phase) -> dict:
        from cases.models import OutboundCall, OutboundStatus
        from messaging.models import OutboundMessage
        from orders.models import Order

        low, high = phase.ids["emails"]
        emails = list(
            OutboundMessage.objects.filter(pk__gt=low, pk__lte=high).values_list("message_id", flat=True)
        )
        with self.smtp.lock:
            received = collections.Counter(m["Message-ID"] for m in self.smtp.messages)
        lost_emails = sum(1 for message_id in emails if received[message_id] == 0)
        duplicated_emails = sum(received[message_id] - 1 for message_id in emails if received[message_id] > 1)

        low, high = phase.ids["calls"]
        calls = list(
            OutboundCall.objects.filter(pk__gt=low, pk__lte=high).values_list("pk", "status", "refund_id")
        )
        made = collections.Counter(r["metadata"].get("postsale_refund_id") for r in self.stripe.refunds)
        lost_calls = sum(
            1 for _pk, status, refund in calls if status != OutboundStatus.SUCCEEDED or not made[str(refund)]
        )
        duplicated_calls = sum(
            made[str(refund)] - 1 for _pk, _status, refund in calls if made[str(refund)] > 1
        )

        numbers = phase.webhook_numbers
        found = collections.Counter(
            Order.objects.filter(
                shop=self.shop, number__in=[n.lstrip("#") for n in numbers] + numbers
            ).values_list("number", flat=True)
        )
        lost_hooks = sum(1 for n in numbers if not (found[n] or found[n.lstrip("#")]))

        during_termination = [
            e for e in phase.server_errors if any(e[0] - 0.5 <= t <= e[1] + 0.5 for t in self.terminations)
        ]
        return {
            "emails": len(emails),
            "lost": {"e-mails": lost_emails, "webhooks": lost_hooks, "calls": lost_calls},
            "duplicated": {"e-mails": duplicated_emails, "calls": duplicated_calls},
            "5xx": len(phase.server_errors) - len(during_termination),
            "5xx_db": len(during_termination),
        }

    def teardown(self) -> None:
        for service in self.services.values():
            service.stop()
        for server in (getattr(self, "broker", None), getattr(self, "cache", None)):
            if server:
                server.stop()
        if getattr(self, "smtp", None):
            self.smtp.__exit__(None, None, None)
        if getattr(self, "stripe", None):
            self.stripe.stop()
        if not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _without_traceback(record: logging.LogRecord) -> bool:
    record.exc_info = None
    record.exc_text = None
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ci", action="store_true", help="the reduced run (under 3 minutes)")
    parser.add_argument("--phase-seconds", type=int)
    parser.add_argument("--claims", type=int, help="claims per phase (each sends the buyer e-mails)")
    parser.add_argument("--webhooks", type=int, help="Shopify webhooks per phase")
    parser.add_argument("--refunds", type=int, help="refunds per phase (each an outbound call)")
    parser.add_argument("--kills", type=int, help="SIGKILLs in the worker-kill phase")
    parser.add_argument("--terminations", type=int, help="terminations in the db-terminate phase")
    parser.add_argument("--outage-seconds", type=int, help="how long the broker and SMTP are down")
    parser.add_argument("--settle-seconds", type=int, help="how long everything may take to settle")
    parser.add_argument(
        "--smtp-latency-ms", type=int, default=50, help="how long the SMTP server takes to accept"
    )
    parser.add_argument("--keep", action="store_true", help="keep the logs in the working directory")
    server = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postsale")
    if not server.scheme.startswith("postgres"):
        server = urlsplit("postgres://postgres@127.0.0.1:5432/postsale")
    parser.add_argument(
        "--database",
        default=os.environ.get("CHAOS_DATABASE_URL", urlunsplit(server._replace(path="/postsale_chaos"))),
    )
    args = parser.parse_args()
    # Settling waits out the backoff of e-mails refused while SMTP was down (2, 4, 8 … s).
    full = dict(
        phase_seconds=60, claims=150, webhooks=150, refunds=80, kills=6, terminations=5, outage_seconds=30,
        settle_seconds=300,
    )  # fmt: skip
    reduced = dict(
        phase_seconds=10, claims=24, webhooks=24, refunds=20, kills=2, terminations=3, outage_seconds=5,
        settle_seconds=150,
    )  # fmt: skip
    for key, value in (reduced if args.ci else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")

    chaos = Chaos(args)
    started = time.monotonic()
    try:
        print(f"Setting up in {chaos.workdir} …", flush=True)
        # This process publishes refunds' calls while the broker is down: one line each, not a traceback.
        logging.getLogger("config.publish").addFilter(_without_traceback)
        chaos.setup()
        print(f"  ready after {time.monotonic() - started:.0f} s", flush=True)
        faults = {
            "baseline": chaos.no_fault,
            "worker-kill": chaos.kill_workers,
            "broker-down": chaos.stop_broker,
            "smtp-down": chaos.stop_smtp,
            "db-terminate": chaos.terminate_connections,
        }
        phases = []
        for name in PHASES:
            phase = Phase(name)
            chaos.run_phase(phase, faults[name])
            phases.append(phase)
        print("  waiting for everything to settle …", flush=True)
        settling = time.monotonic()
        settled = chaos.settle(phases)
        print(f"  settled in {time.monotonic() - settling:.0f} s", flush=True)
        results = [(phase, chaos.count(phase)) for phase in phases]
    finally:
        chaos.teardown()

    print()
    print("| test | load | faults | lost | duplicated | 5xx |")
    print("|---|---|---|---|---|---|")
    failed = not settled
    for phase, result in results:
        load = (
            f"{phase.claims} claims ({result['emails']} e-mails), {phase.webhooks} webhooks, "
            f"{phase.refunds} refunds"
        )
        lost = sum(result["lost"].values())
        lost_text = "0" if not lost else ", ".join(f"{v} {k}" for k, v in result["lost"].items() if v)
        duplicated = sum(result["duplicated"].values())
        dup_text = (
            "0" if not duplicated else ", ".join(f"{v} {k}" for k, v in result["duplicated"].items() if v)
        )
        errors = f"{result['5xx']}" + (
            f" (+{result['5xx_db']} in flight at a termination)" if result["5xx_db"] else ""
        )
        print(f"| {phase.name} | {load} | {phase.faults} | {lost_text} | {dup_text} | {errors} |")
        failed |= bool(lost) or result["5xx"] > 0
    restarted = {service.name: service.restarts for service in chaos.services.values() if service.restarts}
    if restarted:
        print(
            "\nStarted again after exiting by themselves (a stuck worker's watchdog): "
            + ", ".join(f"{name} {count}×" for name, count in restarted.items())
        )
    print(f"\n{time.monotonic() - started:.0f} s in all.")
    if failed:
        print("FAILED: something was lost, did not settle, or an API call answered 5xx.")
        sys.exit(1)


if __name__ == "__main__":
    main()
