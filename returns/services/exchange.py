"""The exchange: a new order for what was accepted, and the buyer's e-mail once the shop ships it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import approvals
from cases.events import case_event, user_or_none
from cases.shop_orders import ShopOrderPurpose, shop_order_create
from cases.verbs import Verb
from config.errors import Conflict
from messaging.public import BuyerEvent, notify_buyer
from orders.models import Order, Product
from orders.services import orders_upsert

from ..models import ReturnLine, ReturnRequest, ReturnStatus
from ..selectors import EXCHANGE_CHANNEL
from .machine import move_return


@dataclass(frozen=True)
class ExchangePlan:
    """What an exchange sends: each accepted line's SKU (or the variant it is swapped for), and its worth."""

    wanted: dict[str, str]  # returned SKU -> SKU to send
    products: dict[str, Product]
    value: Decimal  # at list price, where the shop gave one; else at the price the buyer paid


def exchange_plan(
    request: ReturnRequest, return_lines: list[ReturnLine], swaps: dict[str, str], *, actor
) -> ExchangePlan:
    """Check the swaps an exchange asks for and price what it would send; a bad swap is a 400 naming the SKU.

    An agent swaps only for a variant of the same product (the same family) at
    the same or a lower list price; an owner may swap for anything the shop has.
    """
    shop = request.order.shop
    wanted = {
        line.order_line.sku: swaps.get(line.order_line.sku) or line.order_line.sku for line in return_lines
    }
    skus = set(wanted.values()) | set(wanted)
    products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in=skus)}
    paid = {line.order_line.sku: line.order_line.unit_price for line in return_lines}
    any_product = approvals.decides_as_owner(user=actor, shop=shop)
    _check_swaps(swaps, wanted, products, paid=paid, any_product=any_product)
    value = Decimal("0")
    for line in return_lines:
        if line.accepted_quantity:
            value += _price(products.get(wanted[line.order_line.sku]), line) * line.accepted_quantity
    return ExchangePlan(wanted=wanted, products=products, value=value.quantize(Decimal("0.01")))


def _price(product: Product | None, line: ReturnLine) -> Decimal:
    """What one unit sent in exchange is worth: its list price, else what the buyer paid for the one returned."""
    if product is not None and product.list_price is not None:
        return product.list_price
    return line.order_line.unit_price


def exchange_order_create(
    request: ReturnRequest, return_lines: list[ReturnLine], plan: ExchangePlan, *, actor
) -> Order:
    """The replacement is a new order, numbered after the original, so the shop picks, packs and
    ships it like any other; the plan may trade a SKU for another variant (a size up)."""
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
    wanted, products = plan.wanted, plan.products

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
    request.exchange_value = plan.value
    request.exchanged_by = user_or_none(actor)
    request.exchanged_at = timezone.now()
    move_return(
        request,
        ReturnStatus.EXCHANGED,
        actor=actor,
        fields=["exchange_order", "exchange_value", "exchanged_by", "exchanged_at"],
        exchange_order=exchange_order.number,
        swaps={k: v for k, v in wanted.items() if k != v},
        value=str(plan.value),
    )
    # The shop packs what its own system tells it to: the exchange becomes an order there too, paid
    # with the returned goods like Postsale's copy (an owner's dearer swap is the shop's to carry).
    shop_order_create(
        case=request.case,
        purpose=ShopOrderPurpose.EXCHANGE,
        lines=item_lines,
        order=original,
    )
    return exchange_order


def _check_swaps(
    swaps: dict[str, str],
    wanted: dict[str, str],
    products: dict[str, Product],
    *,
    paid: dict[str, Decimal],
    any_product: bool,
) -> None:
    """A swap names a SKU on the return, and trades it for a product the shop has; unless
    `any_product`, a variant of the same family at the same or a lower list price."""
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
        if new_sku == old_sku:
            continue
        if new_sku not in products:
            problem = ValidationError(
                _("No product %(sku)s in this shop."), code="unknown_product", params={"sku": new_sku}
            )
        elif any_product:
            continue
        else:
            problem = _not_a_fair_swap(products.get(old_sku), products[new_sku], old_sku, paid[old_sku])
        if problem is not None:
            errors[f"exchange.{old_sku}"] = [problem]
    if errors:
        raise ValidationError(errors)


def _not_a_fair_swap(
    old: Product | None, new: Product, old_sku: str, paid: Decimal
) -> ValidationError | None:
    """Why an agent may not swap `old_sku` for `new`: another product, a dearer one, or one without a price.

    Without the check an agent could send a bed-linen set at 169 for a towel
    at 18.50, and the shop would carry the difference without an owner knowing.
    The returned item is priced at its list price, else at what the buyer paid.
    """
    if old is None or not old.family or new.family != old.family:
        return ValidationError(
            _("%(new)s is not a variant of %(old)s; only an owner exchanges for another product."),
            code="not_a_variant",
            params={"new": new.sku, "old": old_sku},
        )
    if new.list_price is None:
        return ValidationError(
            _("%(sku)s has no list price to compare; only an owner makes this exchange."),
            code="no_list_price",
            params={"sku": new.sku},
        )
    old_price = old.list_price if old.list_price is not None else paid
    if new.list_price > old_price:
        return ValidationError(
            _(
                "%(new)s costs %(new_price)s, more than %(old)s at %(old_price)s; "
                "only an owner exchanges for a dearer variant."
            ),
            code="dearer_variant",
            params={"new": new.sku, "new_price": new.list_price, "old": old_sku, "old_price": old_price},
        )
    return None


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
