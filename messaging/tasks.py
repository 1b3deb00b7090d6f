"""Celery tasks of the messaging app: thin, they load by id and call a service."""

from celery import shared_task

from .services import sending


@shared_task(
    bind=True,
    acks_late=True,
    # Attempts are counted on the row (POSTSALE_EMAIL_MAX_ATTEMPTS), not here.
    max_retries=None,
    # Below POSTSALE_EMAIL_STALE_SECONDS, so a claim is never taken over while its worker lives.
    soft_time_limit=60,
    time_limit=90,
)
def send_message(self, message_id: int) -> bool:
    outcome = sending.outbox_send(message_id=message_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.sent


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def outbox_sweep() -> int:
    ids = sending.outbox_sweep()
    for message_id in ids:
        send_message.delay(message_id)
    return len(ids)
