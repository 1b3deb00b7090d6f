"""Write what already happened outside, on a fresh database connection if the first one died.

After the mail server accepted an e-mail (or a provider did a refund) the row
must say so. If the database connection breaks at that moment (PostgreSQL
restarted, a failover, pg_terminate_backend) and we gave up, the row would stay
"sending" and the sweep would do it again: under connection faults half of the
interrupted sends went out twice. So the write is tried again on a new
connection, with short waits, until it holds or the budget runs out.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

log = logging.getLogger(__name__)

T = TypeVar("T")


def until_it_holds(write: Callable[[], T], *, budget_seconds: float = 45.0, what: str = "write") -> T:
    """`write()`, again on a new connection after each lost one, for up to `budget_seconds`."""
    deadline = time.monotonic() + budget_seconds
    pause = 0.1
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            # Inside an outer transaction (a caller's, a test's) a new connection would lose its work.
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                raise
            log.warning("Database connection lost during %s (%r); trying again on a new one", what, exc)
            with contextlib.suppress(Exception):  # closing a dead connection may fail; it is dropped anyway
                connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
