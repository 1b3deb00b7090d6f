from celery import shared_task

from .api.idempotency import forget_expired_keys


@shared_task(acks_late=True)
def forget_idempotency_keys() -> int:
    return forget_expired_keys()
