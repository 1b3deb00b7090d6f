"""What the case kernel does when the orders layer reports a change (`orders.signals`)."""

from django.dispatch import receiver

from orders import signals
from orders.models import Membership, Order, Payment
from orders.selectors import orders_fully_cleared

from . import signals as case_signals
from .approvals import approvals_settle
from .models import OPEN_STATUSES, Case
from .services import case_assign
from .shop_orders import shop_order_release


@receiver(signals.membership_revoked, sender=Membership, dispatch_uid="cases-unassign-revoked-member")
def unassign_revoked_member(sender, *, user, shop, by=None, **kwargs) -> None:
    """A case's assignee is a member of its shop: whoever leaves a shop leaves its open cases to the queue."""
    for case in Case.objects.filter(shop=shop, assignee=user, status__in=OPEN_STATUSES).order_by("id"):
        case_assign(case=case, assignee=None, actor=by)


@receiver(signals.payments_changed, sender=Payment, dispatch_uid="cases-release-cleared-orders")
def release_cleared_orders(sender, *, order_ids, **kwargs) -> None:
    """A held order (a rush order paid by a cheque, say) ships as soon as its money is in,
    whoever reported it: the shop's copy of the order, the orders API or the payment provider."""
    held = set(Order.objects.filter(pk__in=order_ids, held_at__isnull=False).values_list("pk", flat=True))
    for order in Order.objects.filter(pk__in=orders_fully_cleared(held)).order_by("pk"):
        shop_order_release(order=order)


@receiver(case_signals.case_closed, sender=Case, dispatch_uid="cases-withdraw-approvals-of-closed-case")
def withdraw_approvals(sender, *, case: Case, actor=None, **kwargs) -> None:
    """A closed case needs no owner's yes any more: its approval leaves the inbox."""
    approvals_settle(case, actor=actor, given=False)
