"""Orders back into the shop: a replacement or exchange becomes an order in the shop system the original came from.

A decision that sends goods again (a reship, a remake, an exchange) or holds or
cancels an order writes an `OutboundCall` for the shop system in its own
transaction (`shop_order_create`, `shop_order_hold`, `shop_order_cancel`); the
worker sends it (`cases.outbound`). The shop's answer names the order it made
(`ShopOrderLink.external_id`); when the shop fulfils it, its order webhooks
bring the parcel back (`shop_order_shipped`), and the buyer is told its
tracking number, once.

The kernel knows no shop system: the integrations app registers, with
`register_shop_source`, the function that says where an order came from.
An order that came from no shop system stays in Postsale as before, and the
case says so.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders.models import Order, Shipment

from .events import case_event
from .models import Case, OutboundCall, ShopOrderLink, ShopOrderPurpose
from .outbound import Answer, outbound_enqueue, register_kind
from .verbs import Verb

ORDER_CREATE = "order.create"
ORDER_HOLD = "order.hold"
ORDER_CANCEL = "order.cancel"
ORDER_RELEASE = "order.release"


@dataclass(frozen=True)
class ShopSource:
    """Where an order came from: the shop system ("shopify", "woocommerce") and its id for the order there."""

    provider: str
    external_id: str


_SOURCE: list[Callable[[Order], ShopSource | None]] = []


def register_shop_source(finder: Callable[[Order], ShopSource | None]) -> None:
    _SOURCE[:] = [finder]


def shop_source(order: Order | None) -> ShopSource | None:
    if order is None or not _SOURCE:
        return None
    return _SOURCE[0](order)


def _key(kind: str, case_or_order_id: int) -> str:
    # The random part keeps two databases (a restored backup, a test run) from sharing a key at one shop.
    return f"postsale-{kind.replace('.', '-')}-{case_or_order_id}-{secrets.token_hex(8)}"


def shop_order_create(
    *,
    case: Case,
    purpose: str,
    lines: list[dict],
    charge: Decimal = Decimal("0"),
    order: Order | None = None,
) -> ShopOrderLink | None:
    """Ask the shop system the original order came from to make the new order; None when it came from none.

    `lines` are {"sku", "title", "quantity", "unit_price"}; `charge` is what the
    buyer pays (0 for a free replacement, the price difference for an exchange).
    Call it inside the decision's transaction: the call is sent after commit.
    """
    original = order or case.order
    source = shop_source(original)
    if source is None:
        case_event(case, Verb.SHOP_ORDER_NOT_SENT, new=purpose)
        return None
    link = ShopOrderLink.objects.create(
        shop_id=case.shop_id, case=case, purpose=purpose, provider=source.provider, original=original
    )
    outbound_enqueue(
        shop_id=case.shop_id,
        case=case,
        kind=ORDER_CREATE,
        provider=source.provider,
        idempotency_key=_key(ORDER_CREATE, link.pk),
        payload={
            "link": link.pk,
            "original": source.external_id,
            "purpose": purpose,
            "lines": [
                {
                    "sku": str(line.get("sku") or ""),
                    "title": str(line.get("title") or ""),
                    "quantity": int(line["quantity"]),
                    "unit_price": str(line["unit_price"]),
                }
                for line in lines
            ],
            "charge": str(max(charge, Decimal("0"))),
            "currency": original.currency,
            "case": case.reference,
            "address": {
                name: getattr(original, f"ship_{name}")
                for name in ("name", "line1", "line2", "postal_code", "city", "region", "country")
            },
            "email": original.buyer.email,
        },
    )
    return link


def _order_action(kind: str, *, case: Case | None, order: Order) -> OutboundCall | None:
    source = shop_source(order)
    if source is None:
        if case is not None:
            case_event(case, Verb.SHOP_ORDER_NOT_SENT, new=kind)
        return None
    return outbound_enqueue(
        shop_id=order.shop_id,
        case=case,
        kind=kind,
        provider=source.provider,
        idempotency_key=_key(kind, order.pk),
        payload={"order": source.external_id, "number": order.number},
    )


def shop_order_hold(*, case: Case, order: Order) -> OutboundCall | None:
    """Hold the order's fulfilment in the shop too, so nobody there packs it meanwhile."""
    return _order_action(ORDER_HOLD, case=case, order=order)


def shop_order_cancel(*, case: Case, order: Order) -> OutboundCall | None:
    return _order_action(ORDER_CANCEL, case=case, order=order)


@transaction.atomic
def shop_order_release(*, order: Order) -> OutboundCall | None:
    """The held order's payment has cleared: release it here and in the shop, once."""
    held = Order.objects.select_for_update().filter(pk=order.pk, held_at__isnull=False).first()
    if held is None:
        return None
    held.held_at = None
    held.save(update_fields=["held_at", "updated_at"])
    case = Case.objects.filter(order=held, events__verb=Verb.ORDER_HELD).order_by("-opened_at", "-id").first()
    if case is not None:
        case_event(case, Verb.ORDER_RELEASED, new=held.number)
    return _order_action(ORDER_RELEASE, case=case, order=held)


def _created(call: OutboundCall, answer: Answer) -> None:
    """The shop made the order: keep its id and number, which its webhooks will name."""
    link = ShopOrderLink.objects.select_for_update().get(pk=call.payload["link"])
    link.external_id = answer.reference[:64]
    link.number = str(answer.data.get("number") or "")[:64]
    link.save(update_fields=["external_id", "number"])
    case_event(
        link.case, Verb.SHOP_ORDER_CREATED, new=link.number or link.external_id, provider=link.provider
    )


def shop_order_seen(*, shop_id: int, provider: str, external_id: str, order: Order) -> ShopOrderLink | None:
    """The shop's webhook brought in an order: if Postsale asked for it, tie it to the case's link."""
    link = (
        ShopOrderLink.objects.select_for_update()
        .filter(shop_id=shop_id, provider=provider, external_id=external_id)
        .first()
    )
    if link is None:
        return None
    if link.order_id != order.pk:
        link.order = order
        link.save(update_fields=["order"])
    return link


def shop_order_shipped(
    *, order: Order, tell: Callable[[ShopOrderLink, Shipment], None]
) -> ShopOrderLink | None:
    """A parcel arrived on an order Postsale asked the shop for: put it on the case and tell the buyer, once.

    `tell` is the layer above's e-mail for the purpose (a replacement's or an
    exchange's); it is called once per link, under the link's row lock.
    """
    link = (
        ShopOrderLink.objects.select_for_update()
        .select_related("case")
        .filter(order=order, announced_at__isnull=True)
        .first()
    )
    if link is None:
        return None
    shipment = (
        order.shipments.select_related("carrier")
        .exclude(tracking_number="")
        .order_by("-shipped_at", "-id")
        .first()
    )
    if shipment is None:
        return None
    link.tracking_number = shipment.tracking_number
    link.announced_at = timezone.now()
    link.save(update_fields=["tracking_number", "announced_at"])
    case_event(
        link.case,
        Verb.SHOP_ORDER_SHIPPED,
        new=shipment.tracking_number,
        order=order.number,
        purpose=link.purpose,
    )
    tell(link, shipment)
    return link


register_kind(ORDER_CREATE, succeeded=_created)


__all__ = [
    "ShopOrderPurpose",
    "ShopSource",
    "register_shop_source",
    "shop_order_cancel",
    "shop_order_create",
    "shop_order_hold",
    "shop_order_release",
    "shop_order_seen",
    "shop_order_shipped",
]
