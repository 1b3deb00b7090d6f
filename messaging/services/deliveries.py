"""Inbound webhook posts: stored as they arrive, read by a worker, held when one sender or shop sends too many.

`inbound_delivery_store` is all the web request does: one INSERT of the body
as the ESP posted it, the worker's task queued after commit. The worker's
`inbound_delivery_process` claims the row, has anymail read it
(`messaging.esp`), and hands each e-mail to `inbound_receive`.

Above the limits (POSTSALE_INBOUND_PER_SENDER and POSTSALE_INBOUND_PER_SHOP
within POSTSALE_INBOUND_WINDOW seconds) a delivery is kept but not turned into
cases: its status says "limited", and a superuser can read it in anyway from
the admin. The ESP still gets its 200: an ESP retries every other answer, so
refusing would multiply a flood rather than stop it, and a retried mail is
the same mail again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.publish import publish

from .. import esp
from ..models import InboundDelivery, InboundStatus
from .inbound import inbound_receive, inbound_route
from .tracking import delivery_event_record

log = logging.getLogger(__name__)


def _enqueue(delivery_id: int) -> None:
    # The tasks call these services, so the task is looked up when used, not when this module loads.
    from ..tasks import process_inbound_delivery

    # The row is stored; if the broker is down the sweep picks it up when it is back.
    publish(process_inbound_delivery, delivery_id)


def inbound_delivery_store(
    *, esp_name: str, route: str, content_type: str, body: bytes, meta: dict | None = None
) -> InboundDelivery:
    """Keep one webhook post as it came; a worker reads it after this transaction commits."""
    delivery = InboundDelivery.objects.create(
        esp=esp_name[:40], route=route[:100], content_type=content_type[:200], body=body, meta=meta or {}
    )
    transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def _over_limit(delivery: InboundDelivery) -> str:
    """Which limit this delivery is over, or "". Earlier deliveries count, held or not."""
    if delivery.limit_waived:
        return ""
    since = delivery.received_at - timedelta(seconds=settings.POSTSALE_INBOUND_WINDOW)
    earlier = InboundDelivery.objects.filter(received_at__gte=since, pk__lt=delivery.pk)
    if delivery.sender and (
        earlier.filter(sender=delivery.sender).count() >= settings.POSTSALE_INBOUND_PER_SENDER
    ):
        return "Too many e-mails from this sender within the window."
    if (
        delivery.shop_id
        and earlier.filter(shop_id=delivery.shop_id).count() >= settings.POSTSALE_INBOUND_PER_SHOP
    ):
        return "Too many e-mails to this shop within the window."
    return ""


def inbound_delivery_process(*, delivery_id: int) -> InboundDelivery | None:
    """Read a stored delivery into cases, once; None when another worker has it or it is done.

    The claim is a compare-and-set from "received" to "processing": a task
    delivered twice, or the sweep racing a late task, finds it taken. Each
    e-mail is written in its own transaction (`inbound_receive`); a redelivered
    one that races its twin loses on the unique Message-ID and is skipped.
    """
    now = timezone.now()
    claimed = InboundDelivery.objects.filter(pk=delivery_id, status=InboundStatus.RECEIVED).update(
        status=InboundStatus.PROCESSING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    delivery = InboundDelivery.objects.get(pk=delivery_id)
    try:
        status, error = _process(delivery)
    except Exception as exc:  # a bug or the task's time limit must not leave the delivery claimed forever
        log.exception("Inbound delivery %s failed", delivery_id)
        status, error = InboundStatus.FAILED, repr(exc)[:2000]
    delivery.status, delivery.error, delivery.processed_at = status, error, timezone.now()
    delivery.save(update_fields=["status", "error", "processed_at"])
    return delivery


def _process(delivery: InboundDelivery) -> tuple[str, str]:
    events = esp.delivery_events(delivery)
    for event in events:
        if isinstance(event, AnymailTrackingEvent):
            # Mandrill posts delivery events to the same route as mail.
            delivery_event_record(esp=delivery.esp, **esp.tracking_fields(event))
    mails = [
        esp.mail_from_anymail(event.message)
        for event in events
        if isinstance(event, AnymailInboundEvent) and event.message is not None
    ]
    if not mails:
        return InboundStatus.IGNORED if not events else InboundStatus.PROCESSED, ""
    routes = [inbound_route(mail) for mail in mails]
    delivery.sender = mails[0].from_email.strip().lower()[:254]
    delivery.shop = routes[0].shop
    delivery.save(update_fields=["sender", "shop"])
    held = _over_limit(delivery)
    if held:
        log.warning("Inbound delivery %s held: %s", delivery.pk, held)
        return InboundStatus.LIMITED, held
    received = 0
    for mail, route in zip(mails, routes, strict=True):
        try:
            received += inbound_receive(mail=mail, route=route, delivery=delivery) is not None
        except IntegrityError:
            pass  # the same mail, redelivered, was stored by another worker a moment ago
    return (InboundStatus.PROCESSED if received else InboundStatus.IGNORED), ""


def inbound_delivery_release(*, delivery: InboundDelivery) -> bool:
    """Read a held or failed delivery again, past the limits; False if it is neither."""
    released = InboundDelivery.objects.filter(
        pk=delivery.pk, status__in=[InboundStatus.LIMITED, InboundStatus.FAILED]
    ).update(status=InboundStatus.RECEIVED, error="", limit_waived=True)
    if released:
        transaction.on_commit(lambda: _enqueue(delivery.pk))
    return bool(released)


# A worker that died mid-read (killed, out of memory) left its claim: after
# POSTSALE_INBOUND_STALE_SECONDS (past the task's hard time limit) the delivery is read again, up to
# MAX_ATTEMPTS times in all.
MAX_ATTEMPTS = 3


def inbound_deliveries_sweep(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries whose task never ran, or whose worker died; the caller enqueues them again."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.POSTSALE_INBOUND_STALE_SECONDS)
    stale = InboundDelivery.objects.filter(status=InboundStatus.PROCESSING, claimed_at__lt=stale_before)
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=InboundStatus.FAILED, error="The worker reading it stopped every time.", processed_at=now
    )
    stale.filter(attempts__lt=MAX_ATTEMPTS).update(status=InboundStatus.RECEIVED)
    # Like the outbox: a row still waiting this long after it came lost its task.
    lost_after = now - timedelta(seconds=settings.POSTSALE_EMAIL_LOST_SECONDS)
    return list(
        InboundDelivery.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=lost_after)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
