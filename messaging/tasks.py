"""Celery tasks of the messaging app: thin, they load by id and call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import deliveries, sending


@shared_task(
    bind=True,
    acks_late=True,
    # Attempts are counted on the row (POSTSALE_EMAIL_MAX_ATTEMPTS), not here.
    max_retries=None,
    # The database connection lost before the row was claimed (or recorded): try again in a few
    # seconds rather than wait for the sweep. The claim keeps a second copy from sending twice.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    # Room for a slow server (EMAIL_TIMEOUT) and for marking the row sent on a new database
    # connection (sending.MARK_SENT_SECONDS); below POSTSALE_EMAIL_STALE_SECONDS, so a claim is
    # never taken over while its worker lives.
    soft_time_limit=120,
    time_limit=150,
)
def send_message(self, message_id: int) -> bool:
    outcome = sending.outbox_send(message_id=message_id)
    if outcome.retry_in is not None:
        # A second late: the row is due at its next_attempt_at, and a copy that comes early does nothing.
        raise self.retry(countdown=outcome.retry_in + 1)
    return outcome.sent


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def outbox_sweep() -> int:
    ids = sending.outbox_sweep()
    for message_id in ids:
        send_message.delay(message_id)
    return len(ids)


# Reading one e-mail takes milliseconds; a hostile one must not hold a worker for longer than this.
@shared_task(acks_late=True, soft_time_limit=20, time_limit=30)
def process_inbound_delivery(delivery_id: int) -> str | None:
    delivery = deliveries.inbound_delivery_process(delivery_id=delivery_id)
    return delivery.status if delivery else None


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def inbound_sweep() -> int:
    ids = deliveries.inbound_deliveries_sweep()
    for delivery_id in ids:
        process_inbound_delivery.delay(delivery_id)
    return len(ids)
