"""Webhook deliveries: stored once as they arrive, then claimed and applied by a worker.

A webhook is handled in two steps. `inbound_event_receive` stores the raw
delivery (once per provider event id) and enqueues it after commit; the
request answers at once. `inbound_event_process` then claims the row and hands
the payload to its provider module, which maps it onto the orders, tracking and
claims services through the modules beside this one.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.publish import publish

from ..models import InboundEvent, InboundStatus, Integration
from ..providers import Ignored, MalformedBody, NotYet, UnknownParcel, provider

log = logging.getLogger(__name__)

# After this many failed attempts an event waits for someone to press "retry".
MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class ReceiveResult:
    event: InboundEvent | None
    duplicate: bool


def inbound_event_receive(
    *,
    integration: Integration,
    event_id: str,
    topic: str,
    body: bytes,
    headers: dict,
    delivery_id: str = "",
) -> ReceiveResult:
    """Store a verified delivery once and have it processed once it is stored.

    One INSERT in autocommit: the row is committed when the statement returns,
    so the task can be queued right after it, and a delivery seen before fails
    on the unique (integration, provider event id) or (integration, delivery id)
    without writing anything.
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
                delivery_id=delivery_id[:200],
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
    # Imported here: the tasks module is built on this one (its retry limit is MAX_ATTEMPTS).
    from ..tasks import process_inbound_event

    # The row is stored; if the broker is down the sweep picks it up when it is back.
    publish(process_inbound_event, event_id)


def inbound_event_process(*, event_id: int) -> InboundEvent | None:
    """Claim a received (or failed) event and apply it; None if someone else has it or it is done.

    The row stays locked while its changes are made, and its new status is
    written in the same transaction: either both are saved or neither.
    """
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


def inbound_events_sweep(*, older_than_seconds: int = 120) -> int:
    """Enqueue events whose task never ran (the broker was down, a worker died while it held the row:
    its transaction rolled back, so the row is "received" again and unlocked)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        InboundEvent.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        _enqueue(pk)
    return len(ids)
