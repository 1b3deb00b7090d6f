"""The payments of orders a shop sent, matched to the ones we hold by reference or method."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from ..models import Payment, PaymentStatus
from ..signals import payments_changed

PAYMENT_FIELDS = ("method", "status", "amount", "reference", "cleared_at", "provider")


def upsert_payments(items, orders, known: set[int]) -> None:
    """Add or update the payment each order sent; only `known` orders can have one to update."""
    with_payment = [
        (item["payment"], order) for item, order in zip(items, orders, strict=True) if item.get("payment")
    ]
    if not with_payment:
        return
    existing = defaultdict(list)
    known_with_payment = [order.pk for _, order in with_payment if order.pk in known]
    if known_with_payment:
        for payment in Payment.objects.filter(order_id__in=known_with_payment):
            existing[payment.order_id].append(payment)
    to_create, to_update = [], []
    for data, order in with_payment:
        match = next(
            (
                p
                for p in existing[order.pk]
                if (data.get("reference") and p.reference == data["reference"])
                or (not data.get("reference") and p.method == data["method"])
            ),
            None,
        )
        payment = match or Payment(order=order)
        before = [getattr(payment, name) for name in PAYMENT_FIELDS]
        for name in PAYMENT_FIELDS:
            if name in data:
                setattr(payment, name, data[name])
        if payment.amount is None:
            payment.amount = order.total
        if match is None:
            to_create.append(payment)
        elif before != [getattr(payment, name) for name in PAYMENT_FIELDS]:
            to_update.append(payment)  # a shop resending an order mostly resends the same payment
    Payment.objects.bulk_create(to_create)
    if to_update:
        Payment.objects.bulk_update(to_update, PAYMENT_FIELDS)
    changed = {payment.order_id for payment in (*to_create, *to_update)}
    if changed:
        payments_changed.send(sender=Payment, order_ids=changed)


def payments_saved(order_ids: Iterable[int]) -> None:
    """Payments were edited by hand (the admin): a cheque marked cleared there releases its order too."""
    payments_changed.send(sender=Payment, order_ids=set(order_ids))


def payments_cleared(*, shop_id: int, references: Iterable[str], cleared_at: datetime) -> set[int]:
    """A payment provider says the money of these payments (charge, intent, capture ids) is in.

    Only payments of `shop_id` are touched, whatever ids a webhook names; a payment
    that cleared before keeps its first time. Returns the orders whose payments changed.
    """
    references = [ref for ref in references if ref]
    if not references:
        return set()
    payments = list(
        Payment.objects.select_for_update()
        .filter(order__shop_id=shop_id, reference__in=references)
        .exclude(status=PaymentStatus.PAID, cleared_at__isnull=False)
    )
    for payment in payments:
        payment.status = PaymentStatus.PAID
        payment.cleared_at = payment.cleared_at or cleared_at
    Payment.objects.bulk_update(payments, ["status", "cleared_at"])
    changed = {payment.order_id for payment in payments}
    if changed:
        payments_changed.send(sender=Payment, order_ids=changed)
    return changed
