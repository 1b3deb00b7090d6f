"""The date a buyer needs the goods by, changed after the order came in, and the cases it makes urgent."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from orders.models import Order

from .events import case_event
from .models import OPEN_STATUSES, Case
from .priority import case_priority
from .verbs import SystemReason, Verb


@transaction.atomic
def order_needed_by_set(*, order: Order, needed_by: date, reason: SystemReason, actor=None) -> bool:
    """Set the order's needed-by date and carry it to its open cases, whose priority follows.

    Each open case gets the change on its timeline, with where the date came from.
    Returns whether anything changed (the same date again changes nothing).
    """
    locked = Order.objects.select_for_update().only("id", "needed_by").get(pk=order.pk)
    old = locked.needed_by
    if old == needed_by:
        return False
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(needed_by=needed_by, updated_at=now)
    order.needed_by = needed_by
    for case in Case.objects.select_for_update().filter(order_id=order.pk, status__in=OPEN_STATUSES):
        case.needed_by = needed_by
        case.priority = case_priority(case, now=now)
        case.save(update_fields=["needed_by", "priority", "updated_at"])
        case_event(
            case,
            Verb.NEEDED_BY_CHANGED,
            actor=actor,
            old=old.isoformat() if old else "",
            new=needed_by.isoformat(),
            reason=reason,
        )
    return True
