"""A shop system's orders, parcels and payment ids, applied to our orders without undoing what Postsale added."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.needed_by import order_needed_by_set
from cases.verbs import Reason, because
from orders.models import Order, Payment
from orders.services import ORDER_FIELDS, UpsertResult, orders_upsert, payments_cleared

from ..models import ExternalOrder, Integration
from ..providers import Ignored, NotYet
from .shop_orders import shop_order_arrived, shop_order_parcel


def order_apply(
    *, integration: Integration, external_id: str, item: dict, source_updated_at: datetime | None
) -> UpsertResult:
    """Upsert a shop's copy of an order, unless we already hold a newer one.

    Shops deliver `orders/updated` out of order (retries, parallel workers); the
    copy with the older `updated_at` loses. What Postsale added to the order
    is never touched: `orders_upsert` keeps notes, flags, cases and tracking.
    """
    link = (
        ExternalOrder.objects.select_for_update()
        .filter(integration=integration, external_id=external_id)
        .first()
    )
    if link and link.source_updated_at and source_updated_at and source_updated_at < link.source_updated_at:
        raise Ignored(
            f"An older copy of the order ({source_updated_at.isoformat()}) than the one applied "
            f"({link.source_updated_at.isoformat()})."
        )
    # The date at checkout only fills a gap: every later copy of the order repeats it, and
    # must not undo a date the buyer corrected in the portal or an agent was told.
    needed_by = item.get("needed_by")
    known = (
        Order.objects.filter(shop_id=integration.shop_id, number=item["number"])
        .values("pk", "needed_by")
        .first()
    )
    if known is not None:
        item = {name: value for name, value in item.items() if name != "needed_by"}
    # The payload names its shop; only the integration's own may be written, whatever it says.
    [result] = orders_upsert(items=[item], shop_ids={integration.shop_id})
    if known is not None and known["needed_by"] is None and needed_by:
        order_needed_by_set(order=result.order, needed_by=needed_by, reason=because(Reason.SHOP_ORDER_DATE))
    if link is None:
        try:
            with transaction.atomic():
                ExternalOrder.objects.create(
                    integration=integration,
                    external_id=external_id,
                    order=result.order,
                    source_updated_at=source_updated_at,
                )
        except IntegrityError as exc:
            # Another worker linked the same order a moment ago: retry, then compare times.
            raise NotYet("The same order is being applied by another worker.") from exc
    else:
        link.order = result.order
        link.source_updated_at = source_updated_at or link.source_updated_at
        link.save(update_fields=["order", "source_updated_at"])
    shop_order_arrived(integration=integration, external_id=external_id, order=result.order)
    return result


def order_for_external(*, integration: Integration, external_id: str) -> Order:
    link = (
        ExternalOrder.objects.select_related("order__shop", "order__buyer")
        .filter(integration=integration, external_id=external_id)
        .first()
    )
    if link is None:
        raise NotYet(f"Order {external_id} has not arrived yet.")
    return link.order


def shipments_add(*, order: Order, shipments: list[dict]) -> None:
    """Add or update the order's parcels without touching anything else on it."""
    # orders_upsert writes every order field it is given: give it the ones we hold.
    item = {name: getattr(order, name) for name in ORDER_FIELDS}
    item.update(
        shop=order.shop.slug,
        number=order.number,
        buyer={"email": order.buyer.email, "name": order.buyer.name, "language": order.buyer.language},
        shipments=shipments,
    )
    orders_upsert(items=[item])
    shop_order_parcel(order=order)


def payment_reference_set(*, order: Order, reference: str) -> Payment | None:
    """Record the gateway's id on the order's payment, so a dispute finds the order."""
    if order.payments.filter(reference=reference).exists():
        return None
    payment = order.payments.filter(reference="").order_by("created_at", "id").first()
    if payment is None:
        raise NotYet(f"Order {order.number} has no payment to attach {reference} to yet.")
    payment.reference = reference[:120]
    payment.save(update_fields=["reference"])
    return payment


def payment_cleared(*, integration: Integration, references: list[str], cleared_at: datetime | None) -> str:
    """The payment provider says the money is in: mark the shop's payments with these ids cleared.

    A held order whose payments have all cleared is released by `cases.receivers`.
    """
    orders = payments_cleared(
        shop_id=integration.shop_id, references=references, cleared_at=cleared_at or timezone.now()
    )
    if not orders:
        raise Ignored(f"No uncleared payment of this shop is {' or '.join(references) or 'named'}.")
    return f"payment cleared on {len(orders)} order(s)"
