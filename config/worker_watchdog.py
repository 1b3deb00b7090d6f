"""A worker that stops taking tasks while its queues fill up exits, for its supervisor to start it again.

Celery's Redis transport has a long history of workers that reconnect after the broker restarted
and then never consume again, without an error (celery/celery#8091, #9054, #10205, #10302; the last
still open for Celery 5.6 in 2026). `make chaos-ci` met it once in five runs: after a 5 s broker
outage both workers sat idle beside 200 waiting tasks until the end. Nothing is lost then (the rows
wait in PostgreSQL, the sweeps queue them again), but nothing is sent either.

So each worker watches itself: every quarter of POSTSALE_WORKER_STALL_SECONDS it asks the broker how
many messages wait in the queues it was started on. Messages waiting, none running or reserved
here, and none received for the whole stall time, twice in a row: the worker is stuck. It logs
why and shuts down (warm, then hard if that does not finish), and its supervisor (docker's
`restart: unless-stopped`, systemd, Procfile runners) starts a fresh one, which consumes. Acks are
late, so whatever it held comes back to the queue.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from celery.signals import task_received, worker_ready
from celery.worker import state

log = logging.getLogger(__name__)

_last_received = time.monotonic()
EXIT_GRACE_SECONDS = 30


@task_received.connect
def _received(**kwargs) -> None:
    global _last_received
    _last_received = time.monotonic()


@worker_ready.connect
def _start(sender, **kwargs) -> None:
    from django.conf import settings

    stall = settings.POSTSALE_WORKER_STALL_SECONDS
    if not stall:
        return
    # The names now: a queue whose consumer Celery cancels later leaves this list as it was.
    queues = sorted(sender.app.amqp.queues.consume_from)
    threading.Thread(
        target=_watch, args=(sender.app, queues, stall), name="postsale-watchdog", daemon=True
    ).start()


def stalled(*, waiting: int, busy: bool, quiet_for: float, stall: float) -> bool:
    """Messages wait, this worker runs and holds none, and it has received nothing for `stall` s."""
    return waiting > 0 and not busy and quiet_for >= stall


def _watch(app, queues: list[str], stall: float) -> None:
    strikes = 0
    while True:
        time.sleep(max(stall / 4, 0.5))
        try:
            waiting = _waiting(app, queues)
        except Exception:  # noqa: BLE001 (the broker is away: nothing to judge by)
            strikes = 0
            continue
        busy = bool(state.active_requests or state.reserved_requests)
        strikes = (
            strikes + 1
            if stalled(waiting=waiting, busy=busy, quiet_for=time.monotonic() - _last_received, stall=stall)
            else 0
        )
        if strikes >= 2:  # twice in a row: not a message published a moment ago
            log.critical(
                "This worker has taken no task for %.0f s while %d wait in %s: it stopped consuming. "
                "Shutting down for the supervisor to start a fresh one.",
                time.monotonic() - _last_received,
                waiting,
                ", ".join(queues),
            )
            _exit()
            return


def _waiting(app, queues: list[str]) -> int:
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        return sum(channel.queue_declare(queue=name, passive=True).message_count for name in queues)


def _exit() -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # a warm shutdown: running tasks finish
    time.sleep(EXIT_GRACE_SECONDS)
    os._exit(75)  # a stuck event loop may never get to it
