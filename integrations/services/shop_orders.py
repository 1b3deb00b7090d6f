"""What the shop's order webhooks say about the orders Postsale asked it to make, and a held order's payment."""

from __future__ import annotations

from cases.models import ShopOrderLink, ShopOrderPurpose
from cases.shop_orders import shop_order_release, shop_order_seen, shop_order_shipped
from messaging.public import BuyerEvent, notify_buyer
from orders.models import Order, Payment, PaymentStatus, Shipment

from ..models import Integration


def _tell(link: ShopOrderLink, shipment: Shipment) -> None:
    """The buyer's e-mail for the parcel: the replacement's, or the exchange's."""
    case = link.case
    tracking = {
        "tracking_number": shipment.tracking_number,
        "carrier_name": shipment.carrier.name,
        "tracking_link": shipment.tracking_link,
    }
    if link.purpose == ShopOrderPurpose.EXCHANGE:
        request = getattr(case, "return_request", None)
        # Sequence 1, as `returns.services.return_exchanges_announce_shipped` sends it: never both.
        notify_buyer(
            case=case,
            event=BuyerEvent.EXCHANGE_SHIPPED,
            sequence=1,
            context={
                "rma": request.rma if request is not None else "",
                "exchange_order": link.number,
                "order_number": link.number,
                **tracking,
            },
        )
        return
    resolution = case.resolutions.order_by("-created_at", "-id").first()
    if resolution is not None and resolution.replacement_id is None:
        resolution.replacement = shipment
        resolution.save(update_fields=["replacement"])
    notify_buyer(
        case=case,
        event=BuyerEvent.REPLACEMENT_SHIPPED,
        context={
            "with_return_label": bool(resolution and resolution.with_return_label),
            "remake": bool(resolution and resolution.action == "remake"),
            "replacement_tracking_number": shipment.tracking_number,
            "replacement_tracking_url": shipment.tracking_link,
            **tracking,
        },
    )


def paid(order_id: int | None) -> bool:
    return (
        order_id is not None and Payment.objects.filter(order_id=order_id, status=PaymentStatus.PAID).exists()
    )


def shop_order_arrived(
    *, integration: Integration, external_id: str, order: Order, paid_before: bool
) -> None:
    """An order from the shop's webhook: one Postsale asked for gets its parcel onto the case; a held
    one whose payment has cleared since the last copy is released."""
    if shop_order_seen(
        shop_id=integration.shop_id, provider=integration.source, external_id=external_id, order=order
    ):
        shop_order_shipped(order=order, tell=_tell)
    # `order` is the feed's copy, which knows nothing of a hold: `shop_order_release` looks at the row.
    if not paid_before and paid(order.pk):
        shop_order_release(order=order)


def shop_order_parcel(*, order: Order) -> None:
    """A fulfilment webhook added a parcel to an order."""
    shop_order_shipped(order=order, tell=_tell)
