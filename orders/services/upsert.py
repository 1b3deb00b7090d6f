"""Orders as a shop sends them, created or brought up to date in batches.

Shops push the same order many times (created, paid, shipped, edited), so
`orders_upsert` is keyed on (shop, order number) and is safe to repeat. It
works on whole batches with a fixed number of queries, because imports and
shop systems send hundreds of orders at a time. Each part of an order (lines,
payments, shipments) has its own module beside this one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Set
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .. import lookups
from ..models import Buyer, Order
from ..names import clean_name
from .bulk import any_of
from .lines import upsert_lines
from .payments import upsert_payments
from .shipments import upsert_shipments

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


@dataclass(frozen=True)
class UpsertResult:
    order: Order
    created: bool


@transaction.atomic
def orders_upsert(*, items: list[dict], shop_ids: Set[int] | None = None) -> list[UpsertResult]:
    """Create or update orders keyed on (shop slug, number).

    Each item is the validated shape of `orders.api.OrderInSerializer`. What the
    shop sends replaces shop data (lines, totals, address, payment, shipments);
    what Postsale added (notes, risk flags, tracking status, cases) is kept.
    With `shop_ids` (the caller's shops) an order of any other shop is refused
    exactly like an order of a shop that does not exist, and nothing is written.
    """
    # The last copy of an order in a batch wins, like it would one request at a time.
    by_key: dict[tuple[str, str], dict] = {}
    for item in items:
        by_key[(item["shop"], item["number"])] = item
    items = list(by_key.values())

    shops = lookups.shops_by_slug({item["shop"] for item in items})
    if shop_ids is not None:
        shops = {slug: shop for slug, shop in shops.items() if shop.pk in shop_ids}
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
            any_of(Q(shop_id=shop_id, number__in=numbers) for shop_id, numbers in numbers_by_shop.items())
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

    upsert_lines(items, orders, known)
    upsert_payments(items, orders, known)
    upsert_shipments(items, orders)

    return [
        UpsertResult(order=order, created=(order.shop_id, order.number) not in existing_keys)
        for order in orders
    ]


def _upsert_buyers(items, shops) -> dict[tuple[int, str], Buyer]:
    wanted: dict[tuple[int, str], Buyer] = {}
    for item in items:
        shop = shops[item["shop"]]
        data = item["buyer"]
        email = data["email"].lower()
        wanted[(shop.pk, email)] = Buyer(
            shop=shop,
            email=email,
            name=clean_name(data.get("name", "")),
            language=data.get("language", ""),
            salutation=data.get("salutation", ""),
            first_name=clean_name(data.get("first_name", "")),
            last_name=clean_name(data.get("last_name", "")),
        )
    # Only names and language come from the shop; the risk flag is ours and stays.
    Buyer.objects.bulk_create(
        list(wanted.values()),
        update_conflicts=True,
        unique_fields=["shop", "email"],
        update_fields=["name", "language", "salutation", "first_name", "last_name"],
    )
    return wanted
