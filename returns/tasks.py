from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def expire_stale_returns() -> int:
    return services.return_expire_stale()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def announce_shipped_exchanges() -> int:
    return services.return_exchanges_announce_shipped()
