"""The desk's periodic work: keeping the report rollups current."""

from celery import shared_task

from .rollups.refresh import rollups_refresh


@shared_task(ignore_result=True)
def refresh_rollups() -> int:
    return rollups_refresh()
