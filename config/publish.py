"""Hand a task to the broker once the caller's transaction commits, never failing the caller.

Every row a task acts on (an outbox e-mail, an outbound call, a stored webhook)
is saved before its task is published, and a periodic sweep finds the rows
whose task never ran. So a broker that is down when we publish costs a delay,
not the work: the error is logged and the request that saved the row still
answers 2xx. Letting it raise turned every saved claim into a 500 during a
broker outage, and clients that retried made duplicate cases.
"""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def publish(task, *args) -> bool:
    """`task.delay(*args)` now; False (logged) when the broker cannot take it."""
    try:
        task.delay(*args)
    except Exception:
        log.exception("Could not publish %s%r; the sweep will pick it up", task.name, args)
        return False
    return True


def publish_after_commit(task, *args) -> None:
    """Publish when the current transaction commits (at once outside one); a broker error is logged."""
    transaction.on_commit(lambda: publish(task, *args))
