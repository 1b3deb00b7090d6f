"""Private notes on an order, for whoever packs or answers next."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..models import Order, OrderNote


def order_note_add(*, order: Order, author, body: str) -> OrderNote:
    body = body.strip()
    if not body:
        raise ValidationError({"body": ["A note cannot be empty."]})
    return OrderNote.objects.create(order=order, author=author, body=body)
