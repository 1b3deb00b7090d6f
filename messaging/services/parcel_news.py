"""Tell the buyer what their parcel is doing, when the shop has opted in to that news.

The shop practice is to keep the buyer informed of every update (000); each shop
picks which statuses are worth an e-mail (`Shop.tracking_updates`). One e-mail per
parcel and status at most: carriers repeat scans and a parcel can go out for
delivery twice, and the unique constraint on the outbox makes the news itself
unique, so a repeat (or a second worker) finds the first row and sends nothing.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from email.utils import make_msgid

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Shipment, TrackingStatus
from orders.names import clean_name

from ..models import Audience, BuyerEvent, OutboundMessage
from .outbox import _enqueue_after_commit, reply_domain

NEWS = {
    TrackingStatus.IN_TRANSIT: BuyerEvent.TRACKING_SHIPPED,
    TrackingStatus.OUT_FOR_DELIVERY: BuyerEvent.TRACKING_OUT_FOR_DELIVERY,
    TrackingStatus.AVAILABLE_FOR_PICKUP: BuyerEvent.TRACKING_AVAILABLE_FOR_PICKUP,
    TrackingStatus.DELIVERED: BuyerEvent.TRACKING_DELIVERED,
    TrackingStatus.DELIVERY_FAILED: BuyerEvent.TRACKING_DELIVERY_FAILED,
    TrackingStatus.RETURNED_TO_SENDER: BuyerEvent.TRACKING_RETURNED_TO_SENDER,
}
# A scan the carrier reports days late (or a shop's history import) is no news to the buyer any more.
NEWS_MAX_AGE = timedelta(days=2)


def parcel_news_queue(*, shipment: Shipment, status: str) -> OutboundMessage | None:
    """Queue the e-mail for a parcel's new status; None when the shop does not tell it, or told it already.

    Call it inside the transaction that stored the scan: it is sent after commit.
    """
    event = NEWS.get(status)
    order = shipment.order
    shop, buyer = order.shop, order.buyer
    if event is None or status not in (shop.tracking_updates or []):
        return None
    if not buyer.email:
        return None
    if shipment.status_at and shipment.status_at < timezone.now() - NEWS_MAX_AGE:
        return None
    try:
        # A savepoint: a repeat of the news leaves the caller's transaction (the scan) usable.
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                shipment=shipment,
                event=event,
                audience=Audience.BUYER,
                to_email=buyer.email,
                to_name=clean_name(buyer.name),
                context={"status": status},
                message_id=make_msgid(domain=reply_domain()),
                reply_token=secrets.token_hex(12),
            )
    except IntegrityError:
        return None
    _enqueue_after_commit(message.pk)
    return message
