"""How returns answer the case kernel's hooks (`cases.signals`)."""

from decimal import Decimal

from django.db.models import Sum
from django.dispatch import receiver
from django.utils.translation import gettext as _

from cases import signals
from cases.models import Case, Refund
from config.errors import Conflict

from .models import ReturnRequest, ReturnStatus


@receiver(signals.case_closing, sender=Case, dispatch_uid="returns-keep-case-open")
def keep_case_open_while_return_open(sender, *, case: Case, **kwargs) -> None:
    """A return on its way or waiting for inspection keeps its case open: closing would strand it."""
    return_request = ReturnRequest.objects.filter(case=case).first()
    if (
        return_request is not None
        and return_request.status != ReturnStatus.CLOSED
        and not return_request.can_move_to(ReturnStatus.CLOSED)
    ):
        raise Conflict(
            _("The return %(rma)s is %(status)s; finish it before closing the case.")
            % {"rma": return_request.rma, "status": return_request.get_status_display().lower()},
            code="return_open",
        )


@receiver(signals.goods_given, sender=Case, dispatch_uid="returns-goods-exchanged")
def goods_exchanged(sender, *, order_id=None, user=None, shop=None, since=None, **kwargs) -> Decimal:
    """What exchanges sent out, at list price, for the refund limits to count beside the refunds."""
    exchanged = ReturnRequest.objects.filter(exchange_order__isnull=False, exchange_value__isnull=False)
    if order_id is not None:
        exchanged = exchanged.filter(order_id=order_id)
    if user is not None:
        exchanged = exchanged.filter(exchanged_by=user)
    if shop is not None:
        exchanged = exchanged.filter(order__shop=shop)
    if since is not None:
        exchanged = exchanged.filter(exchanged_at__gte=since)
    return exchanged.order_by().aggregate(total=Sum("exchange_value"))["total"] or Decimal("0")


@receiver(signals.refund_accepted, sender=Refund, dispatch_uid="returns-refund-accepted")
def tell_accepted_refund(sender, *, refund: Refund, **kwargs) -> None:
    """A return's refund the payment provider accepted: now the buyer hears it is on its way."""
    from .services.refund import tell_refund

    request = ReturnRequest.objects.filter(refund=refund).first()
    if request is not None:
        tell_refund(request, refund)
