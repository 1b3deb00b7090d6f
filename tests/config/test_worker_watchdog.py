"""A worker that stops consuming while its queue fills exits, for its supervisor to start a fresh one.

Celery's Redis transport sometimes leaves a reconnected worker idle for good (config/worker_watchdog.py).
Here a real worker is made to stop consuming the way Celery itself can (its consumer of the queue is
cancelled while the process lives on); a task then waits in the queue, and the worker must exit.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from config.celery import app as celery_app
from config.worker_watchdog import stalled

ROOT = Path(__file__).resolve().parents[2]


def test_only_an_idle_worker_beside_waiting_messages_that_took_nothing_for_the_stall_time_is_stuck():
    assert stalled(waiting=3, busy=False, quiet_for=61, stall=60)
    assert not stalled(waiting=0, busy=False, quiet_for=600, stall=60)  # nothing to take
    assert not stalled(waiting=3, busy=True, quiet_for=600, stall=60)  # working on what it took
    assert not stalled(waiting=3, busy=False, quiet_for=10, stall=60)  # took one a moment ago


@pytest.fixture
def broker_url():
    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
    if not url.startswith("redis://"):
        pytest.skip("needs a Redis broker (CELERY_BROKER_URL or REDIS_URL)")
    return url


def test_a_worker_that_stopped_consuming_exits(broker_url, tmp_path):
    queue = f"test-watchdog-{uuid.uuid4().hex[:8]}"
    name = f"{queue}@watchdog"
    log = tmp_path / "worker.log"
    env = dict(os.environ, CELERY_BROKER_URL=broker_url, POSTSALE_WORKER_STALL_SECONDS="2")
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n", name,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[name], timeout=1):
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
        celery_app.control.cancel_consumer(queue, destination=[name], reply=True, timeout=5)
        celery_app.send_task("postsale.never_run", queue=queue)

        worker.wait(timeout=60)

        assert "stopped consuming" in log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
