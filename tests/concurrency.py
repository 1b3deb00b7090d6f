"""Two connections at once: what concurrency tests share."""

import threading

import pytest
from django.db import connection, connections


def row_locks(test):
    """Mark a test that runs functions at once: real transactions, on PostgreSQL (SQLite locks the whole file)."""
    test = pytest.mark.django_db(transaction=True)(test)
    return pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")(test)


def run_at_once(*functions):
    """Start the functions together on their own connections; return what each returned or raised."""
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            outcomes[index] = function()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes
