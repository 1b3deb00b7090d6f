from celery import shared_task

from .presence import presence_sweep


@shared_task
def sweep_presence():
    """Forget who looked at which case more than a day ago."""
    return presence_sweep()
