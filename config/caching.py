"""Dropping cached copies of rows that just changed."""

from django.core.cache import cache
from django.db import transaction


def forget(keys) -> None:
    """Delete these cache keys now, and again when the current transaction commits.

    Again at commit: a request that read the old rows while the change was
    still uncommitted may have cached them in between.
    """
    keys = list(keys)
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
