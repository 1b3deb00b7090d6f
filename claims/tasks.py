from celery import shared_task

from . import automatic
from .services import carrier_claims


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def open_stalled_claims() -> int:
    # Lost first: a parcel that is both lost and late for its date needs the lost claim's carrier claim.
    return automatic.open_stalled_claims() + automatic.open_late_claims()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def open_payment_reviews() -> int:
    return automatic.open_payment_reviews()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def remind_carrier_claim_deadlines() -> int:
    return carrier_claims.carrier_claims_remind()
