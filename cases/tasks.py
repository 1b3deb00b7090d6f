from celery import shared_task
from django.db import InterfaceError, OperationalError

from orders.models import Shop

from . import outbound, services, sla


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def reprioritise_open_cases() -> int:
    return services.cases_reprioritise()


@shared_task(
    bind=True,
    acks_late=True,
    # Attempts are counted on the row (POSTSALE_OUTBOUND_MAX_ATTEMPTS), not here.
    max_retries=None,
    # The database connection lost before the row was claimed (or recorded): try again in a few
    # seconds rather than wait for the sweep. The claim keeps a second copy from calling twice.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    # A provider's answer (POSTSALE_OUTBOUND_TIMEOUT) and recording it on a new database connection
    # (config.db.until_it_holds); below POSTSALE_OUTBOUND_STALE_SECONDS, so a claim is never taken
    # over while its worker lives.
    soft_time_limit=120,
    time_limit=150,
)
def send_outbound_call(self, call_id: int) -> str:
    outcome = outbound.outbound_send(call_id=call_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def outbound_sweep() -> int:
    ids = outbound.outbound_sweep()
    for call_id in ids:
        send_outbound_call.delay(call_id)
    return len(ids)


@shared_task(acks_late=True)
def sla_recompute(shop_id: int | None = None) -> int:
    """One shop after its owner changed a policy or its hours; every shop from beat, as a safety net."""
    shops = Shop.objects.filter(pk=shop_id) if shop_id else Shop.objects.all()
    return sum(sla.sla_recompute_shop(shop) for shop in shops)
