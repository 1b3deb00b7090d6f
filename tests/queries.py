"""Counting a request's queries, and naming them when there are too many."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def at_most_queries(limit: int):
    """Fails when the block runs more than `limit` queries, and lists every one of them."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    if len(captured) > limit:
        listing = "\n".join(
            f"{n:3}. {query['sql'][:300]}" for n, query in enumerate(captured.captured_queries, 1)
        )
        raise AssertionError(f"{len(captured)} queries, at most {limit} expected:\n{listing}")
