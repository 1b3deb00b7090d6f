"""The exchange: a new order for what was accepted, and the buyer's e-mail once the shop ships it."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.verbs import Verb
from config.errors import Conflict
from messaging.public import BuyerEvent, notify_buyer
from orders.models import Order, Product
from orders.services import orders_upsert

from ..models import ReturnLine, ReturnRequest, ReturnStatus
from ..selectors import EXCHANGE_CHANNEL
from .machine import move_return


def exchange_order_create(
    request: ReturnRequest, return_lines: list[ReturnLine], swaps: dict[str, str], *, actor
) -> Order:
    """The replacement is a new order, numbered after the original, so the shop picks, packs and
    ships it like any other; `swaps` trades a SKU for another variant (a size up) at the same price."""
    original = request.order
    shop = original.shop
    # The n-th return of this order gets -X<n>: stable, so no two returns aim at the same number.
    sequence = ReturnRequest.objects.filter(order=original, pk__lte=request.pk).count()
    number = f"{original.number}-X{sequence}"
    if Order.objects.filter(shop=shop, number=number).exists():
        # orders_upsert would overwrite it: never turn somebody's order into an exchange.
        raise Conflict(
            _("An order %(number)s exists already.") % {"number": number}, code="exchange_number_taken"
        )
    wanted = {
        line.order_line.sku: swaps.get(line.order_line.sku) or line.order_line.sku for line in return_lines
    }
    products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in=set(wanted.values()))}
    _check_swaps(swaps, wanted, products)

    item_lines = []
    goods = Decimal("0")
    for line in return_lines:
        if not line.accepted_quantity:
            continue
        new_sku = wanted[line.order_line.sku]
        product = products.get(new_sku)
        same = new_sku == line.order_line.sku
        item_lines.append(
            {
                "sku": new_sku,
                "title": line.order_line.title if same else product.title,
                "quantity": line.accepted_quantity,
                # Swapped for a variant (another size) at the price the buyer paid.
                "unit_price": line.order_line.unit_price,
                "unit_weight_g": line.order_line.unit_weight_g if same else product.unit_weight_g,
                "personalisation": [],
            }
        )
        goods += line.order_line.unit_price * line.accepted_quantity
    buyer = original.buyer
    item = {
        "shop": shop.slug,
        "number": number,
        "placed_at": timezone.now(),
        "currency": original.currency,
        "subtotal": goods,
        "shipping_total": Decimal("0"),
        "tax_total": Decimal("0"),
        # Paid with the returned goods: no payment of its own, the money stays on the original order.
        "total": goods,
        "sales_channel": EXCHANGE_CHANNEL,
        "buyer": {"email": buyer.email, "name": buyer.name, "language": buyer.language},
        "lines": item_lines,
        "shipments": [],
        "shipping_speed": "standard",
        **{
            f"ship_{name}": getattr(original, f"ship_{name}")
            for name in ("name", "line1", "line2", "postal_code", "city", "region", "country")
        },
    }
    [result] = orders_upsert(items=[item])
    exchange_order = result.order
    request.exchange_order = exchange_order
    move_return(
        request,
        ReturnStatus.EXCHANGED,
        actor=actor,
        fields=["exchange_order"],
        exchange_order=exchange_order.number,
        swaps={k: v for k, v in wanted.items() if k != v},
    )
    return exchange_order


def _check_swaps(swaps: dict[str, str], wanted: dict[str, str], products: dict[str, Product]) -> None:
    """A swap names a SKU on the return, and trades it for a product the shop has."""
    errors: dict[str, list[ValidationError]] = {}
    unknown_swaps = sorted(set(swaps) - set(wanted))
    if unknown_swaps:
        errors["exchange"] = [
            ValidationError(
                _("Not on the return: %(skus)s."),
                code="not_on_return",
                params={"skus": ", ".join(unknown_swaps)},
            )
        ]
    for old_sku, new_sku in wanted.items():
        if new_sku != old_sku and new_sku not in products:
            errors[f"exchange.{old_sku}"] = [
                ValidationError(
                    _("No product %(sku)s in this shop."), code="unknown_product", params={"sku": new_sku}
                )
            ]
    if errors:
        raise ValidationError(errors)


def return_exchanges_announce_shipped() -> int:
    """Tell buyers whose exchange the shop has now shipped, with that parcel's tracking.

    The exchange is an order in the shop's normal flow; its parcel arrives like
    any other (the shop system, a webhook, the API). Run every minute by beat;
    sequence 1 makes the e-mail once per return however often this runs.
    """
    waiting = (
        ReturnRequest.objects.filter(exchange_order__shipments__tracking_number__gt="")
        .exclude(case__outbound_messages__event=BuyerEvent.EXCHANGE_SHIPPED)
        .select_related("case", "exchange_order")
        .distinct()
    )
    announced = 0
    for request in waiting[:500]:
        shipment = (
            request.exchange_order.shipments.select_related("carrier")
            .exclude(tracking_number="")
            .order_by("-shipped_at", "-id")
            .first()
        )
        with transaction.atomic():
            notify_buyer(
                case=request.case,
                event=BuyerEvent.EXCHANGE_SHIPPED,
                sequence=1,
                context={
                    "rma": request.rma,
                    "exchange_order": request.exchange_order.number,
                    "order_number": request.exchange_order.number,
                    "tracking_number": shipment.tracking_number,
                    "carrier_name": shipment.carrier.name,
                    "tracking_link": shipment.tracking_link,
                },
            )
            case_event(
                request.case,
                Verb.EXCHANGE_SHIPPED,
                rma=request.rma,
                exchange_order=request.exchange_order.number,
                tracking_number=shipment.tracking_number,
            )
        announced += 1
    return announced
