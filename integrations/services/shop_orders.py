"""What the shop's order webhooks say about the orders Postsale asked it to make."""

from __future__ import annotations

from cases.models import ShopOrderLink, ShopOrderPurpose
from cases.shop_orders import shop_order_seen, shop_order_shipped
from messaging.public import BuyerEvent, notify_buyer
from orders.models import Order, Shipment

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


def shop_order_arrived(*, integration: Integration, external_id: str, order: Order) -> None:
    """An order from the shop's webhook: one Postsale asked for gets its parcel onto the case.

    A held one whose payment has cleared is released by `cases.receivers` when the
    copy's payments are written, as for the orders API and the payment providers."""
    if shop_order_seen(
        shop_id=integration.shop_id, provider=integration.source, external_id=external_id, order=order
    ):
        shop_order_shipped(order=order, tell=_tell)


def shop_order_parcel(*, order: Order) -> None:
    """A fulfilment webhook added a parcel to an order."""
    shop_order_shipped(order=order, tell=_tell)
