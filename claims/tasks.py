from celery import shared_task

from . import automatic


@shared_task(acks_late=True)
def open_stalled_claims() -> int:
    return automatic.open_stalled_claims()


@shared_task(acks_late=True)
def open_payment_reviews() -> int:
    return automatic.open_payment_reviews()
