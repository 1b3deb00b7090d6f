"""Writes caused by shop systems, tracking aggregators and payment providers.

A webhook is handled in two steps. `inbound_event_receive` stores the raw
delivery (once per provider event id) and enqueues it after commit; the
request answers at once. `inbound_event_process` then claims the row and hands
the payload to its provider module, which maps it onto the orders, tracking and
claims services. The helpers below are what the provider modules call.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cases.choices import ClaimType
from cases.events import case_event
from cases.models import OpenedVia
from cases.verbs import Verb
from claims.models import Claim
from claims.services import DisputeIn, claim_open
from orders.models import Order, Payment, Shipment
from orders.services import ORDER_FIELDS, IngestResult, UpsertResult, orders_upsert, tracking_events_ingest
from returns import services as returns
from returns.models import ReturnRequest

from .models import ExternalDispute, ExternalOrder, InboundEvent, InboundStatus, Integration, Source
from .providers import Ignored, MalformedBody, NotYet, UnknownParcel

log = logging.getLogger(__name__)

# After this many failed attempts an event waits for someone to press "retry".
MAX_ATTEMPTS = 6


# --- receiving and processing -------------------------------------------------


@dataclass(frozen=True)
class ReceiveResult:
    event: InboundEvent | None
    duplicate: bool


def inbound_event_receive(
    *, integration: Integration, event_id: str, topic: str, body: bytes, headers: dict
) -> ReceiveResult:
    """Store a verified delivery once and have it processed once it is stored.

    One INSERT in autocommit: the row is committed when the statement returns,
    so the task can be queued right after it, and a delivery seen before fails
    on the unique (integration, provider event id) without writing anything.
    Inside a caller's transaction (a replay, a test) a savepoint keeps that
    failure from breaking the caller's work.
    """
    savepoint = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
    try:
        with savepoint:
            event = InboundEvent.objects.create(
                integration=integration,
                shop_id=integration.shop_id,
                source=integration.source,
                provider_event_id=event_id[:200],
                topic=topic[:100],
                body=body.decode("utf-8"),
                headers=headers,
            )
    except IntegrityError:
        # Seen before (a retry, or a provider that delivers twice): acknowledge, do nothing.
        return ReceiveResult(event=None, duplicate=True)
    transaction.on_commit(lambda: _enqueue(event.pk))
    _mark_last_event(integration)
    return ReceiveResult(event=event, duplicate=False)


# When this process last wrote `last_event_at`, per integration. A minute's
# precision is all the admin shows; writing it on every delivery would queue
# a busy shop's deliveries on that one row's lock.
_last_marked: dict[tuple, float] = {}
LAST_EVENT_PRECISION = 60


def _mark_last_event(integration: Integration) -> None:
    now = timezone.now()
    key = (integration.pk, integration.created_at)  # never another integration, even if ids repeat
    if time.monotonic() - _last_marked.get(key, -1e9) < LAST_EVENT_PRECISION:
        return
    _last_marked[key] = time.monotonic()
    Integration.objects.filter(pk=integration.pk).filter(
        Q(last_event_at__isnull=True) | Q(last_event_at__lt=now - timedelta(seconds=LAST_EVENT_PRECISION))
    ).update(last_event_at=now)


def _enqueue(event_id: int) -> None:
    from .tasks import process_inbound_event

    try:
        process_inbound_event.delay(event_id)
    except Exception:
        # The row is stored; the sweep picks it up when the broker is back.
        log.exception("Could not enqueue inbound event %s", event_id)


def inbound_event_process(*, event_id: int) -> InboundEvent | None:
    """Claim a received (or failed) event and apply it; None if someone else has it or it is done.

    The row stays locked while its changes are made, and its new status is
    written in the same transaction: either both are saved or neither.
    """
    from .providers import provider

    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("integration", "shop")
            .filter(pk=event_id, status__in=[InboundStatus.RECEIVED, InboundStatus.FAILED])
            .first()
        )
        if event is None:
            return None
        event.attempts += 1
        try:
            with transaction.atomic():
                payload = json.loads(event.body)
                note = provider(event.source).process(event, payload)
        except Ignored as exc:
            event.status, event.error = InboundStatus.IGNORED, str(exc)
        except UnknownParcel as exc:
            event.status, event.error = _unknown_parcel_outcome(event, exc)
        except (NotYet, MalformedBody, ValidationError, ValueError, KeyError, TypeError) as exc:
            event.status, event.error = InboundStatus.FAILED, _describe(exc)
        except Exception as exc:  # a bug must not leave the event claimed forever
            log.exception("Inbound event %s failed", event.pk)
            event.status, event.error = InboundStatus.FAILED, _describe(exc)
        else:
            event.status, event.error = InboundStatus.PROCESSED, str(note or "")
        event.processed_at = timezone.now()
        event.save(update_fields=["status", "error", "attempts", "processed_at"])
    return event


def _unknown_parcel_outcome(event: InboundEvent, exc: UnknownParcel) -> tuple[str, str]:
    """Wait for the parcel's order like any NotYet, then stop counting it as a failure.

    Aggregators track parcels the shop ships outside its shop system too; their
    order never arrives, and a FAILED event per scan would bury the integration's
    real failures.
    """
    if event.attempts < MAX_ATTEMPTS:
        return InboundStatus.FAILED, _describe(exc)
    numbers = ", ".join(exc.numbers)
    return (
        InboundStatus.IGNORED,
        f"No shipment with this tracking number ({numbers}) after {event.attempts} attempts.",
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return f"{type(exc).__name__}: {'; '.join(exc.messages)}"
    return f"{type(exc).__name__}: {exc}"


@transaction.atomic
def inbound_event_retry(*, events) -> int:
    """Put failed or ignored events back in the queue (the admin's "retry", replays)."""
    ids = list(
        InboundEvent.objects.filter(pk__in=[e.pk for e in events])
        .exclude(status=InboundStatus.RECEIVED)
        .values_list("pk", flat=True)
    )
    InboundEvent.objects.filter(pk__in=ids).update(status=InboundStatus.RECEIVED, error="")
    for pk in ids:
        transaction.on_commit(lambda pk=pk: _enqueue(pk))
    return len(ids)


def inbound_events_sweep(*, older_than_seconds: int = 600) -> int:
    """Enqueue events whose task never ran (the broker was down, a worker died)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        InboundEvent.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        _enqueue(pk)
    return len(ids)


# --- integrations ---------------------------------------------------------------


@transaction.atomic
def integration_configure(*, shop, source: str, secret: str, api_key: str | None = None) -> Integration:
    if source not in Source.values:
        raise ValidationError({"source": [f"Unknown source {source!r}; one of {', '.join(Source.values)}."]})
    if not secret.strip() and source not in (Source.POSTNORD, Source.DHL):
        raise ValidationError({"secret": ["The signing secret is required."]})
    integration, _ = Integration.objects.select_for_update().get_or_create(shop=shop, source=source)
    integration.signing_secret = secret.strip()
    if api_key is not None:
        integration.carrier_api_key = api_key.strip()
    integration.active = True
    integration.save()
    return integration


# --- orders ---------------------------------------------------------------------


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
    [result] = orders_upsert(items=[item])
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


# --- tracking -------------------------------------------------------------------


def tracking_apply(*, integration: Integration, events: list[dict], source: str) -> IngestResult:
    """Tracking events from an aggregator, on the shop's parcels with those numbers.

    Aggregators name carriers their own way ("DHLExpress", "dhl-germany"); the
    tracking number within the shop is what identifies our parcel.
    """
    numbers = {event["tracking_number"] for event in events}
    carriers = dict(
        Shipment.objects.filter(order__shop_id=integration.shop_id, tracking_number__in=numbers)
        .order_by("id")
        .values_list("tracking_number", "carrier__code")
    )
    missing = set(numbers - set(carriers))
    returning = _returns_on_their_way(integration, events, missing)
    missing -= returning
    if missing:
        raise UnknownParcel(missing)
    return tracking_events_ingest(
        events=[
            dict(event, carrier=carriers[event["tracking_number"]])
            for event in events
            if event["tracking_number"] not in returning
        ],
        source=source,
    )


def _returns_on_their_way(integration: Integration, events: list[dict], numbers: set[str]) -> set[str]:
    """A scan of a return parcel: the return is on its way back and no longer expires (issue: returns)."""

    found = dict(
        ReturnRequest.objects.filter(
            order__shop_id=integration.shop_id, tracking_number__in=numbers
        ).values_list("tracking_number", "rma")
    )
    for number, rma in found.items():
        first_scan = min(event["occurred_at"] for event in events if event["tracking_number"] == number)
        returns.return_mark_in_transit(rma=rma, occurred_at=first_scan, tracking_number=number)
    return set(found)


# --- disputes -------------------------------------------------------------------


def dispute_record(
    *,
    integration: Integration,
    provider: str,
    dispute_id: str,
    payment_references: list[str],
    reason: str,
    amount: Decimal | None,
    respond_by: datetime | None,
    status: str,
    topic: str,
    source_updated_at: datetime | None,
) -> str:
    """Open a chargeback case for a new dispute, or bring its case up to date.

    The order is found by the payment reference the shop stored (charge,
    PaymentIntent, capture). `claim_open` tells the owners of a new dispute.
    An event older than the one applied last is ignored: providers deliver a
    dispute's events out of order, and a late `updated` must not undo `closed`.
    """

    claim = _dispute_claim(integration.shop_id, provider, dispute_id)
    if claim is None:
        order = _disputed_order(integration.shop_id, payment_references)
        # Re-read under the order's lock: `created` and `updated` of one dispute may be processed at once.
        claim = _dispute_claim(integration.shop_id, provider, dispute_id)
        if claim is None:
            claim = _dispute_open(
                order=order,
                provider=provider,
                dispute_id=dispute_id,
                reason=reason,
                amount=amount,
                respond_by=respond_by,
                status=status,
            )
            ExternalDispute.objects.create(
                integration=integration,
                dispute_id=dispute_id,
                claim=claim,
                source_updated_at=source_updated_at,
            )
            return f"chargeback case {claim.case.reference} opened on order {order.number}"

    link = _dispute_link(integration=integration, dispute_id=dispute_id, claim=claim)
    # Re-read under the link's lock: the claim as the last applied event left it.
    claim = _dispute_claim(integration.shop_id, provider, dispute_id)
    if link.source_updated_at and source_updated_at and source_updated_at < link.source_updated_at:
        raise Ignored(
            f"An older event of dispute {dispute_id} ({source_updated_at.isoformat()}) than the one "
            f"applied ({link.source_updated_at.isoformat()})."
        )
    changed = {}
    for field, value in (
        ("dispute_reason", reason[:200]),
        ("dispute_amount", amount),
        ("respond_by", respond_by),
    ):
        if value not in (None, "") and getattr(claim, field) != value:
            changed[field] = value
    if changed:
        Claim.objects.filter(pk=claim.pk).update(**changed)
    if source_updated_at:
        link.source_updated_at = source_updated_at
        link.save(update_fields=["source_updated_at"])
    case_event(
        claim.case,
        Verb.DISPUTE_UPDATED,
        new=status,
        provider=provider,
        topic=topic,
        changed=sorted(changed),
    )
    return f"case {claim.case.reference}: dispute {status}"


def _disputed_order(shop_id: int, payment_references: list[str]) -> Order:
    """The order paid with one of the references, locked; NotYet until the shop has told us of it."""
    payment = (
        Payment.objects.filter(order__shop_id=shop_id, reference__in=payment_references)
        .order_by("id")
        .first()
        if payment_references
        else None
    )
    if payment is None:
        raise NotYet(f"No order paid with {', '.join(payment_references) or 'an unnamed payment'}.")
    return Order.objects.select_for_update().select_related("shop", "buyer").get(pk=payment.order_id)


def _dispute_open(
    *,
    order: Order,
    provider: str,
    dispute_id: str,
    reason: str,
    amount: Decimal | None,
    respond_by: datetime | None,
    status: str,
) -> Claim:

    return claim_open(
        order=order,
        type=ClaimType.CHARGEBACK,
        opened_via=OpenedVia.AUTOMATIC,
        statement=f"{provider} dispute {dispute_id}: {reason} ({status})",
        dispute=DisputeIn(
            provider=provider,
            reference=dispute_id,
            reason=reason[:200],
            amount=amount,
            respond_by=respond_by,
        ),
    )


def _dispute_link(*, integration: Integration, dispute_id: str, claim: Claim) -> ExternalDispute:
    """The dispute's link, locked, so two of its events are compared and applied one after the other."""
    link = (
        ExternalDispute.objects.select_for_update()
        .filter(integration=integration, dispute_id=dispute_id)
        .first()
    )
    if link is not None:
        return link
    # A case opened before links were kept: from now on its events are compared.
    try:
        with transaction.atomic():
            return ExternalDispute.objects.create(integration=integration, dispute_id=dispute_id, claim=claim)
    except IntegrityError as exc:
        raise NotYet(f"Dispute {dispute_id} is being applied by another worker.") from exc


def _dispute_claim(shop_id: int, provider: str, dispute_id: str):

    return (
        Claim.objects.select_related("case")
        .filter(case__shop_id=shop_id, dispute_provider=provider, dispute_reference=dispute_id)
        .first()
    )
