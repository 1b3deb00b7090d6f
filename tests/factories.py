"""Test data made through the real services, the way shop systems create it."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import Order
from orders.services import orders_upsert, tracking_events_ingest

_numbers = itertools.count(1000)
_events = itertools.count(1)

NAPKINS = {
    "sku": "SERV-LEIN-12",
    "title": "Leinenservietten, 12 Stück",
    "unit_price": "24.90",
    "unit_weight_g": 545,
}


def make_order(
    shop,
    *,
    number: str | None = None,
    email: str = "anna.berg@example.de",
    language: str = "de",
    lines: list[dict] | None = None,
    total: str | None = None,
    shipping_total: str = "5.90",
    payment: dict | None = None,
    carrier: str = "dhl",
    tracking_number: str | None = None,
    packed_weight_g: int | None = None,
    signature_required: bool = False,
    shipped_days_ago: int = 5,
    needed_by=None,
    shipping_speed: str = "standard",
    ship_country: str = "DE",
    shipped: bool = True,
) -> Order:
    number = number or str(next(_numbers))
    lines = lines or [dict(NAPKINS, quantity=1)]
    goods = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
    total = total or str(goods + Decimal(shipping_total))
    item = {
        "shop": shop.slug,
        "number": number,
        "placed_at": timezone.now() - timedelta(days=shipped_days_ago + 1),
        "total": Decimal(total),
        "subtotal": goods,
        "shipping_total": Decimal(shipping_total),
        "buyer": {
            "email": email,
            "name": email.split("@")[0].replace(".", " ").title(),
            "language": language,
        },
        "lines": [dict(line, unit_price=Decimal(line["unit_price"])) for line in lines],
        "payment": payment
        or {
            "method": "card",
            "status": "paid",
            "amount": Decimal(total),
            "reference": f"ch_{number}",
            "cleared_at": timezone.now(),
        },
        "shipments": [],
        "shipping_speed": shipping_speed,
        "ship_name": "Anna Berg",
        "ship_line1": "Lindenstraße 4",
        "ship_postal_code": "10115",
        "ship_city": "Berlin",
        "ship_country": ship_country,
    }
    if needed_by:
        item["needed_by"] = needed_by
    if shipped:
        item["shipments"] = [
            {
                "carrier": carrier,
                "tracking_number": tracking_number or f"00340434{number}",
                "shipped_at": timezone.now() - timedelta(days=shipped_days_ago),
                "packed_weight_g": packed_weight_g,
                "signature_required": signature_required,
            }
        ]
    [result] = orders_upsert(items=[item])
    return Order.objects.select_related("shop", "buyer").get(pk=result.order.pk)


def track(
    order,
    status: str,
    *,
    days_ago: float = 0,
    location: str = "",
    signed_by: str = "",
    estimated_delivery=None,
):
    shipment = order.shipments.select_related("carrier").first()
    event = {
        "carrier": shipment.carrier.code,
        "tracking_number": shipment.tracking_number,
        "event_id": f"t-{next(_events)}",
        "occurred_at": timezone.now() - timedelta(days=days_ago),
        "status": status,
        "location": location,
        "signed_by": signed_by,
        "estimated_delivery": estimated_delivery,
    }
    tracking_events_ingest(events=[event], source="test")
    shipment.refresh_from_db()
    return shipment
