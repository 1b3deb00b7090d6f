from celery import shared_task
from django.conf import settings

from . import pollers, services
from .models import InboundStatus


def backoff_seconds(attempts: int) -> int:
    # 1 min, 2, 4, 8, 16: a fulfilment that came before its order usually waits seconds.
    return min(60 * 2 ** max(attempts - 1, 0), 3600)


# One webhook maps onto a few rows; a hung provider module must not hold a worker longer than this.
@shared_task(bind=True, acks_late=True, max_retries=services.MAX_ATTEMPTS, soft_time_limit=60, time_limit=90)
def process_inbound_event(self, event_id: int) -> str | None:
    event = services.inbound_event_process(event_id=event_id)
    if event is None:
        return None
    if event.status == InboundStatus.FAILED and event.attempts < services.MAX_ATTEMPTS:
        raise self.retry(countdown=backoff_seconds(event.attempts))
    return event.status


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def sweep_inbound_events() -> int:
    return services.inbound_events_sweep(older_than_seconds=settings.POSTSALE_WEBHOOK_LOST_SECONDS)


# Many shops' carriers, each call bounded by its own timeout.
@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def poll_carrier_tracking() -> dict:
    return pollers.poll_all()
