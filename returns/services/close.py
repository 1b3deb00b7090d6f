"""Closing a return, whatever came of it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from messaging.public import BuyerEvent

from ..models import ReturnRequest, ReturnStatus
from .machine import lock_return, move_return, notify


@transaction.atomic
def return_close(*, rma: str, actor=None) -> ReturnRequest:
    request = lock_return(rma)
    was = request.status
    request.closed_at = timezone.now()
    move_return(request, ReturnStatus.CLOSED, actor=actor, fields=["closed_at"])
    if was != ReturnStatus.EXPIRED:
        # Every return the buyer sent ends with a request for feedback, whatever came of it;
        # one that expired was never sent, so there is nothing to ask about.
        notify(request, BuyerEvent.FEEDBACK_REQUEST, outcome=was)
    return request
