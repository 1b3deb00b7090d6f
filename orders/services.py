"""Writes to orders, shipments and tracking.

Shops push the same order many times (created, paid, shipped, edited), so
`orders_upsert` is keyed on (shop, order number) and is safe to repeat. It
works on whole batches with a fixed number of queries, because imports and
shop systems send hundreds of orders at a time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext

from . import lookups
from .models import (
    Buyer,
    Carrier,
    Order,
    OrderLine,
    OrderNote,
    Payment,
    Product,
    Shipment,
    TrackingEvent,
    TrackingStatus,
)

ORDER_FIELDS = (
    "placed_at",
    "currency",
    "subtotal",
    "shipping_total",
    "tax_total",
    "total",
    "sales_channel",
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_postal_code",
    "ship_city",
    "ship_region",
    "ship_country",
    "needed_by",
    "shipping_speed",
)
LINE_FIELDS = ("product", "sku", "title", "quantity", "unit_price", "unit_weight_g", "personalisation")
SHIPMENT_FIELDS = (
    "order",
    "service",
    "shipped_at",
    "packed_weight_g",
    "insured_value",
    "signature_required",
    "estimated_delivery",
)
PAYMENT_FIELDS = ("method", "status", "amount", "reference", "cleared_at")
FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class UpsertResult:
    order: Order
    created: bool


def carriers_for_codes(codes: set[str]) -> dict[str, Carrier]:
    """Carriers by code, creating the ones we have not seen (shop systems name carriers freely)."""
    found = lookups.carriers_by_code(codes)
    missing = [code for code in codes if code not in found]
    if missing:
        Carrier.objects.bulk_create(
            [Carrier(code=code, name=code.replace("-", " ").title()) for code in missing],
            ignore_conflicts=True,
        )
        found = lookups.carriers_by_code(codes)
    return found


def carrier_code(value: str) -> str:
    return slugify(value)[:32]


@transaction.atomic
def orders_upsert(*, items: list[dict]) -> list[UpsertResult]:
    """Create or update orders keyed on (shop slug, number).

    Each item is the validated shape of `orders.api.OrderInSerializer`. What the
    shop sends replaces shop data (lines, totals, address, payment, shipments);
    what Postsale added (notes, risk flags, tracking status, cases) is kept.
    """
    # The last copy of an order in a batch wins, like it would one request at a time.
    by_key: dict[tuple[str, str], dict] = {}
    for item in items:
        by_key[(item["shop"], item["number"])] = item
    items = list(by_key.values())

    shops = lookups.shops_by_slug({item["shop"] for item in items})
    unknown = sorted({item["shop"] for item in items} - set(shops))
    if unknown:
        raise ValidationError({"shop": [f"Unknown shop: {', '.join(unknown)}."]})

    buyers = _upsert_buyers(items, shops)
    numbers_by_shop: dict[int, list[str]] = defaultdict(list)
    for item in items:
        numbers_by_shop[shops[item["shop"]].pk].append(item["number"])
    # One `number IN (...)` per shop rides the unique index; a long OR chain would not.
    existing_keys = set(
        Order.objects.filter(
            _any_of(Q(shop_id=shop_id, number__in=numbers) for shop_id, numbers in numbers_by_shop.items())
        ).values_list("shop_id", "number")
    )

    orders = []
    sent_fields: dict[tuple[str, ...], list[Order]] = defaultdict(list)
    for item in items:
        shop = shops[item["shop"]]
        fields = {name: item[name] for name in ORDER_FIELDS if name in item}
        if (shop.pk, item["number"]) not in existing_keys:
            fields.setdefault("currency", shop.currency)
        order = Order(
            shop=shop,
            number=item["number"],
            buyer=buyers[(shop.pk, item["buyer"]["email"].lower())],
            **fields,
        )
        orders.append(order)
        sent_fields[tuple(fields)].append(order)
    # An update writes only what the shop sent: a field it left out (a needed-by date we were
    # told by phone, say) keeps its value. One statement per shape of payload; a batch from
    # one shop system has one shape.
    for fields, group in sent_fields.items():
        Order.objects.bulk_create(
            group,
            update_conflicts=True,
            unique_fields=["shop", "number"],
            update_fields=[*fields, "buyer", "updated_at"],
        )
    # Orders created just now have no lines or payments to reconcile: no need to look.
    known = {order.pk for order in orders if (order.shop_id, order.number) in existing_keys}

    _upsert_lines(items, orders, known)
    _upsert_payments(items, orders, known)
    _upsert_shipments(items, orders)

    return [
        UpsertResult(order=order, created=(order.shop_id, order.number) not in existing_keys)
        for order in orders
    ]


def _any_of(conditions) -> Q:
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


def _upsert_buyers(items, shops) -> dict[tuple[int, str], Buyer]:
    wanted: dict[tuple[int, str], Buyer] = {}
    for item in items:
        shop = shops[item["shop"]]
        data = item["buyer"]
        email = data["email"].lower()
        wanted[(shop.pk, email)] = Buyer(
            shop=shop, email=email, name=data.get("name", ""), language=data.get("language", "")
        )
    # Only name and language come from the shop; the risk flag is ours and stays.
    Buyer.objects.bulk_create(
        list(wanted.values()),
        update_conflicts=True,
        unique_fields=["shop", "email"],
        update_fields=["name", "language"],
    )
    return wanted


def _upsert_lines(items, orders, known: set[int]) -> None:
    skus_by_shop: dict[int, set[str]] = defaultdict(set)
    for item, order in zip(items, orders, strict=True):
        for line in item.get("lines", []):
            skus_by_shop[order.shop_id].add(line["sku"])
    products = _ensure_products(items, orders, skus_by_shop)

    lines = []
    line_counts: dict[int, int] = {}
    for item, order in zip(items, orders, strict=True):
        if "lines" not in item:
            continue  # the shop did not send lines this time: keep what we have
        item_lines = item["lines"]
        if order.pk in known:
            line_counts[order.pk] = len(item_lines)
        for position, data in enumerate(item_lines, start=1):
            lines.append(
                OrderLine(
                    order=order,
                    position=position,
                    product_id=products.get((order.shop_id, data["sku"])),
                    sku=data["sku"],
                    title=data.get("title") or data["sku"],
                    quantity=data["quantity"],
                    unit_price=data["unit_price"],
                    unit_weight_g=data.get("unit_weight_g") or 0,
                    personalisation=data.get("personalisation") or [],
                )
            )
    if lines:
        OrderLine.objects.bulk_create(
            lines, update_conflicts=True, unique_fields=["order", "position"], update_fields=list(LINE_FIELDS)
        )
    if line_counts:
        stale = [
            line_id
            for line_id, order_id, position in OrderLine.objects.filter(order_id__in=line_counts).values_list(
                "id", "order_id", "position"
            )
            if position > line_counts[order_id]
        ]
        if stale:
            # A line a buyer claimed for or sent back stays: the claim and the return refer to it.
            OrderLine.objects.filter(
                pk__in=stale, claim_lines__isnull=True, return_lines__isnull=True
            ).delete()


def _ensure_products(items, orders, skus_by_shop) -> dict[tuple[int, str], int]:
    """Product ids by (shop id, SKU), creating the products a shop names for the first time."""
    if not skus_by_shop:
        return {}
    lookup = _any_of(Q(shop_id=shop_id, sku__in=skus) for shop_id, skus in skus_by_shop.items())

    def load():
        return {
            (shop_id, sku): pk
            for shop_id, sku, pk in Product.objects.filter(lookup).values_list("shop_id", "sku", "pk")
        }

    products = load()
    missing = {}
    for item, order in zip(items, orders, strict=True):
        for data in item.get("lines", []):
            key = (order.shop_id, data["sku"])
            if key not in products and key not in missing:
                missing[key] = Product(
                    shop_id=order.shop_id,
                    sku=data["sku"],
                    title=data.get("title") or data["sku"],
                    unit_weight_g=data.get("unit_weight_g") or 0,
                    personalisable=bool(data.get("personalisation")),
                )
    if missing:
        Product.objects.bulk_create(list(missing.values()), ignore_conflicts=True)
        products = load()
    return products


def _upsert_payments(items, orders, known: set[int]) -> None:
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


def _upsert_shipments(items, orders) -> None:
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


# --- tracking ---------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


def _as_datetime(value) -> datetime:
    # The API hands over datetimes; the demo, the CSV import and some providers ISO strings.
    value = parse_datetime(value) if isinstance(value, str) else value
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@transaction.atomic
def tracking_events_ingest(*, events: list[dict], source: str = "api") -> IngestResult:
    """Store carrier events once each and move each shipment to its latest status.

    Events arrive late, twice and out of order (carriers retry, aggregators
    replay). The shipment takes the status of the event with the latest
    `occurred_at` ever seen, so order of arrival does not matter; a repeated
    `event_id` is stored once.
    """
    if not events:
        return IngestResult(accepted=0, duplicates=0)
    carriers = lookups.carriers_by_code({carrier_code(e["carrier"]) for e in events})
    numbers = {e["tracking_number"] for e in events}
    # Locked in id order so two batches touching the same parcels queue up instead of deadlocking.
    shipments = {
        (s.carrier.code, s.tracking_number): s
        for s in Shipment.objects.select_for_update(of=("self",))
        .select_related("carrier")
        .filter(tracking_number__in=numbers, carrier__in=carriers.values())
        .order_by("id")
    }
    errors = {}
    # A scan from the future would outrank every real scan after it (the latest event sets the
    # status): a clock or time-zone mistake must not freeze a parcel. A day of slack covers
    # carriers that send local times without an offset.
    latest_possible = timezone.now() + FUTURE_SLACK
    for index, event in enumerate(events):
        if (carrier_code(event["carrier"]), event["tracking_number"]) not in shipments:
            errors[f"[{index}].tracking_number"] = [
                f"No shipment with {event['carrier']} tracking number {event['tracking_number']}."
            ]
        if _as_datetime(event["occurred_at"]) > latest_possible:
            errors[f"[{index}].occurred_at"] = [
                "This is in the future; send the time the carrier scanned the parcel."
            ]
    if errors:
        raise ValidationError(errors)

    seen = set(
        TrackingEvent.objects.filter(
            source=source, source_event_id__in={e["event_id"] for e in events}
        ).values_list("source_event_id", flat=True)
    )
    rows, fresh_ids = [], set()
    for event in events:
        if event["event_id"] in seen or event["event_id"] in fresh_ids:
            continue
        fresh_ids.add(event["event_id"])
        rows.append(
            TrackingEvent(
                shipment=shipments[(carrier_code(event["carrier"]), event["tracking_number"])],
                status=event["status"],
                carrier_status=event.get("carrier_status", ""),
                description=event.get("description", ""),
                location=event.get("location", ""),
                occurred_at=event["occurred_at"],
                source=source,
                source_event_id=event["event_id"],
                raw=event.get("raw") or {},
            )
        )
    # ignore_conflicts: a concurrent request may have stored the same id since we looked.
    TrackingEvent.objects.bulk_create(rows, ignore_conflicts=True)

    changed = {}
    for event in events:
        shipment = shipments[(carrier_code(event["carrier"]), event["tracking_number"])]
        if _apply_event(shipment, event):
            changed[shipment.pk] = shipment
    if changed:
        _bulk_update(list(changed.values()), SHIPMENT_TRACKING_FIELDS)
    return IngestResult(accepted=len(rows), duplicates=len(events) - len(rows))


SHIPMENT_TRACKING_FIELDS = (
    "status",
    "status_at",
    "last_event_at",
    "delivered_at",
    "delivery_location",
    "signed_by",
    "estimated_delivery",
)


def _bulk_update(objects: list, field_names) -> None:
    """`bulk_update`, as one `UPDATE … FROM (VALUES …)` on PostgreSQL.

    Django's bulk_update writes `CASE WHEN id = … THEN …` per column, which
    PostgreSQL evaluates row by row against every branch: quadratic in the
    batch, and the slowest step of a 500-event request.
    """
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, field_names)
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in field_names]
    pk = model._meta.pk
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in [pk, *fields]) + ")"
    params = []
    for obj in objects:
        for field in [pk, *fields]:
            params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
    columns = ", ".join(quote(field.column) for field in [pk, *fields])
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "
        f"FROM (VALUES {', '.join([row] * len(objects))}) AS v({columns}) "
        f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _apply_event(shipment: Shipment, event: dict) -> bool:
    """Fold one event into the shipment; True if anything changed. Idempotent."""
    occurred_at: datetime = event["occurred_at"]
    changed = False
    if event.get("estimated_delivery") and shipment.estimated_delivery != event["estimated_delivery"]:
        shipment.estimated_delivery = event["estimated_delivery"]
        changed = True
    if event["status"] == TrackingStatus.DELIVERED:
        if shipment.delivered_at is None or occurred_at > shipment.delivered_at:
            shipment.delivered_at = occurred_at
            shipment.delivery_location = event.get("location", "") or shipment.delivery_location
            changed = True
        if event.get("signed_by"):
            shipment.signed_by = event["signed_by"]
            changed = True
    # Ties go to the later arrival: carriers send a correction with the same timestamp.
    if shipment.last_event_at is None or occurred_at >= shipment.last_event_at:
        if (shipment.status, shipment.last_event_at) != (event["status"], occurred_at):
            shipment.status = event["status"]
            shipment.status_at = occurred_at
            shipment.last_event_at = occurred_at
            changed = True
    return changed


def order_note_add(*, order: Order, author, body: str) -> OrderNote:
    body = body.strip()
    if not body:
        raise ValidationError({"body": ["A note cannot be empty."]})
    return OrderNote.objects.create(order=order, author=author, body=body)


def buyer_set_risk(*, buyer: Buyer, flag: str, reason: str, by) -> Buyer:
    """Flag or clear a buyer (seed 002 #1: "fragwürdig"). A flag needs a reason."""
    if flag != "none" and not reason.strip():
        raise ValidationError({"risk_reason": [gettext("Say why the buyer is flagged.")]})
    buyer.risk_flag = flag
    buyer.risk_reason = reason.strip()
    buyer.risk_set_by = by
    buyer.risk_set_at = timezone.now()
    buyer.save(update_fields=["risk_flag", "risk_reason", "risk_set_by", "risk_set_at"])
    return buyer
