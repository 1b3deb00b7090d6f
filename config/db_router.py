"""Reports read from the replica when there is one (DATABASE_REPLICA_URL); everything else stays on the primary.

What goes to the replica: every read of the report rollups, wherever it
happens, and every read made inside `reporting()` (the dashboard and its CSV
downloads wrap themselves in it, so the shops and carriers they name come from
the same copy). Writes always go to the primary: an object read from the
replica and saved must not be written there, which is what Django would do by
default. A replica lags the primary by a moment; reports that are rebuilt once
a minute do not notice, a case page would, so nothing else reads there.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
PRIMARY = "default"
# The rollup tables (desk.rollups.models) by app label and model name: config sits below desk and
# names them instead of importing them. Not the dirty marks: the refresh reads those and must see
# its own writes.
REPORT_MODELS = {
    ("desk", name)
    for name in (
        "productday",
        "reasonday",
        "shipmentday",
        "claimday",
        "caseday",
        "waitinghour",
        "moneyday",
        "rollupstate",
    )
}

_reporting: ContextVar[bool] = ContextVar("reporting", default=False)


@contextmanager
def reporting():
    """Reads in this block are a report's: from the replica, if there is one."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReportsToReplicaRouter:
    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        if _reporting.get() or (model._meta.app_label, model._meta.model_name) in REPORT_MODELS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: an object from one may point at one from the other.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica gets its tables from the primary's replication, never from `migrate`.
        return False if db == REPLICA else None
