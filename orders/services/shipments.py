"""The parcels of orders a shop sent, keyed on carrier and tracking number."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError

from ..models import Shipment
from .carriers import carrier_code, carriers_for_codes

SHIPMENT_FIELDS = (
    "order",
    "service",
    "shipped_at",
    "packed_weight_g",
    "insured_value",
    "signature_required",
    "estimated_delivery",
)


def upsert_shipments(items, orders) -> None:
    """Add or update the parcels the orders name; a tracking number stays with the order that has it."""
    pairs = [
        (data, order) for item, order in zip(items, orders, strict=True) for data in item.get("shipments", [])
    ]
    if not pairs:
        return
    carriers = carriers_for_codes({carrier_code(data["carrier"]) for data, _ in pairs})
    # Filtered on both columns so the lookup uses the (carrier, tracking number) unique index.
    holder = {
        (carrier_id, number): (shop_id, order_id, order_number)
        for carrier_id, number, shop_id, order_id, order_number in Shipment.objects.filter(
            carrier_id__in=[carrier.pk for carrier in carriers.values()],
            tracking_number__in={data["tracking_number"] for data, _ in pairs},
        ).values_list("carrier_id", "tracking_number", "order__shop_id", "order_id", "order__number")
    }
    shipments: dict[tuple, tuple[tuple[str, ...], Shipment]] = {}
    for data, order in pairs:
        carrier = carriers[carrier_code(data["carrier"])]
        key = (carrier.pk, data["tracking_number"])
        if key in holder and holder[key][0] != order.shop_id:
            raise ValidationError(
                {"shipments": [f"Tracking number {data['tracking_number']} belongs to another shop's order."]}
            )
        if key in holder and holder[key][1] != order.pk:
            # Moving the parcel would take its tracking story and any claim away from that order.
            raise ValidationError(
                {
                    "shipments": [
                        f"Tracking number {data['tracking_number']} is already on order {holder[key][2]}."
                    ]
                }
            )
        fields = {name: data[name] for name in SHIPMENT_FIELDS if name in data and name != "order"}
        shipments[key] = (
            tuple(fields),
            Shipment(order=order, carrier=carrier, tracking_number=data["tracking_number"], **fields),
        )
    # As for orders: what the shop left out (the weight we measured, the delivery date a
    # tracking service estimated) is not reset by a fulfilment update that does not carry it.
    by_fields: dict[tuple[str, ...], list[Shipment]] = defaultdict(list)
    for fields, shipment in shipments.values():
        by_fields[fields].append(shipment)
    for fields, group in by_fields.items():
        Shipment.objects.bulk_create(
            group,
            update_conflicts=True,
            unique_fields=["carrier", "tracking_number"],
            update_fields=["order", *fields],
        )
