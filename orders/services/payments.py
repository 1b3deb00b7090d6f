"""The payments of orders a shop sent, matched to the ones we hold by reference or method."""

from __future__ import annotations

from collections import defaultdict

from ..models import Payment

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
