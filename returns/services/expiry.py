"""Returns whose parcel never left: the label lapses, the return expires, the buyer is told."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cases.verbs import Reason, because
from messaging.public import BuyerEvent

from ..models import AWAITING_PARCEL, ReturnRequest, ReturnStatus
from .machine import move_return, notify


def return_expire_stale(*, now: datetime | None = None) -> int:
    """Expire approved returns whose parcel was never scanned within the label's life, and tell the buyer."""
    now = now or timezone.now()
    due = list(
        ReturnRequest.objects.filter(status__in=AWAITING_PARCEL, expires_at__lt=now)
        .order_by("expires_at")
        .values_list("rma", flat=True)[:1000]
    )
    return sum(_expire_one(rma, now=now) for rma in due)


@transaction.atomic
def _expire_one(rma: str, *, now: datetime) -> int:
    # Skip a row somebody is receiving or scanning right now; the next sweep looks again.
    request = (
        ReturnRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("case", "order__shop")
        .filter(rma=rma, status__in=AWAITING_PARCEL, expires_at__lt=now, first_scan_at__isnull=True)
        .first()
    )
    if request is None:
        return 0
    request.expired_at = now
    move_return(request, ReturnStatus.EXPIRED, reason=because(Reason.LABEL_EXPIRED), fields=["expired_at"])
    notify(request, BuyerEvent.RETURN_EXPIRED, expired_on=timezone.localdate(now).isoformat())
    return 1
