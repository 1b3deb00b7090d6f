"""The desk's periodic work: keeping the report rollups current, forgetting who looked at which case."""

from celery import shared_task

from .presence import presence_sweep
from .rollups.refresh import rollups_refresh


@shared_task(ignore_result=True)
def refresh_rollups() -> int:
    return rollups_refresh()


@shared_task
def sweep_presence():
    """Forget who looked at which case more than a day ago."""
    return presence_sweep()
