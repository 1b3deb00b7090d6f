"""The lines of orders a shop sent, and the products they name."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from ..models import OrderLine, Product
from .bulk import any_of

LINE_FIELDS = ("product", "sku", "title", "quantity", "unit_price", "unit_weight_g", "personalisation")


def upsert_lines(items, orders, known: set[int]) -> None:
    """Write the lines of the orders that sent them; `known` orders existed before and may have lines to drop."""
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


# What a line may say about its product beyond the SKU: line field -> product field.
PRODUCT_FACTS = {"product_family": "family", "list_price": "list_price"}


def _ensure_products(items, orders, skus_by_shop) -> dict[tuple[int, str], int]:
    """Product ids by (shop id, SKU), creating the products a shop names for the first time.

    A line that names the product's family or list price brings the product up
    to date with it (the last line of the batch wins); a line that does not
    leaves what the product has.
    """
    if not skus_by_shop:
        return {}
    lookup = any_of(Q(shop_id=shop_id, sku__in=skus) for shop_id, skus in skus_by_shop.items())

    def load():
        return {
            (shop_id, sku): (pk, {"family": family, "list_price": list_price})
            for shop_id, sku, pk, family, list_price in Product.objects.filter(lookup).values_list(
                "shop_id", "sku", "pk", "family", "list_price"
            )
        }

    products = load()
    missing = {}
    facts: dict[tuple[int, str], dict] = {}
    for item, order in zip(items, orders, strict=True):
        for data in item.get("lines", []):
            key = (order.shop_id, data["sku"])
            sent = {field: data[name] for name, field in PRODUCT_FACTS.items() if name in data}
            if sent:
                facts.setdefault(key, {}).update(sent)
            if key not in products and key not in missing:
                missing[key] = Product(
                    shop_id=order.shop_id,
                    sku=data["sku"],
                    title=data.get("title") or data["sku"],
                    unit_weight_g=data.get("unit_weight_g") or 0,
                    personalisable=bool(data.get("personalisation")),
                )
    for key, product in missing.items():
        for field, value in facts.pop(key, {}).items():
            setattr(product, field, value)
    if missing:
        Product.objects.bulk_create(list(missing.values()), ignore_conflicts=True)
        products = load()
    changed = [
        # Every fact goes into the update: the stored one where the line named only the other.
        Product(pk=products[key][0], **{**products[key][1], **sent})
        for key, sent in facts.items()
        if key in products and any(products[key][1][field] != value for field, value in sent.items())
    ]
    if changed:
        Product.objects.bulk_update(changed, list(PRODUCT_FACTS.values()))
    return {key: pk for key, (pk, _facts) in products.items()}
