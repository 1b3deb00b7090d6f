"""What the case kernel does when the orders layer reports a change (`orders.signals`)."""

from django.dispatch import receiver

from orders import signals
from orders.models import Membership

from .models import OPEN_STATUSES, Case
from .services import case_assign


@receiver(signals.membership_revoked, sender=Membership, dispatch_uid="cases-unassign-revoked-member")
def unassign_revoked_member(sender, *, user, shop, by=None, **kwargs) -> None:
    """A case's assignee is a member of its shop: whoever leaves a shop leaves its open cases to the queue."""
    for case in Case.objects.filter(shop=shop, assignee=user, status__in=OPEN_STATUSES).order_by("id"):
        case_assign(case=case, assignee=None, actor=by)
