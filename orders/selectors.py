"""Reads shared by the API, the admin and the desk, with the joins that keep query counts fixed."""

from django.db.models import Prefetch, QuerySet

from .models import Order, Shipment, TrackingEvent


def orders_for_api(*, shop: str | None = None, number: str | None = None) -> QuerySet[Order]:
    # 5 queries for any page: orders (+shop, buyer), lines, payments, shipments (+carrier), events.
    shipments = Shipment.objects.select_related("carrier").prefetch_related(
        Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id"))
    )
    queryset = (
        Order.objects.select_related("shop", "buyer")
        .prefetch_related("lines", "payments", Prefetch("shipments", queryset=shipments))
        .order_by("-placed_at", "-id")
    )
    if shop:
        queryset = queryset.filter(shop__slug=shop)
    if number:
        queryset = queryset.filter(number=number)
    return queryset
