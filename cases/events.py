"""Writing the case's timeline: one `CaseEvent` per change, in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .models import Case, CaseEvent
from .verbs import SystemReason, Verb, reason_data

# While a service batches its events (`batched_events`), the events it writes wait here.
_pending: ContextVar[list[CaseEvent] | None] = ContextVar("pending_case_events", default=None)


def user_or_none(actor):
    """The user to record as the actor; the system and anonymous buyers are recorded as nobody."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def case_event(
    case: Case,
    verb: Verb,
    *,
    actor=None,
    old: str = "",
    new: str = "",
    reason: str | SystemReason | None = None,
    **data,
) -> CaseEvent:
    if reason is not None:
        data.update(reason_data(reason))
    event = CaseEvent(
        case=case, actor=user_or_none(actor), verb=Verb(verb), old=str(old), new=str(new), data=data
    )
    pending = _pending.get()
    if pending is None:
        event.save()
    else:
        pending.append(event)
    return event


@contextmanager
def batched_events() -> Iterator[None]:
    """The events written inside are inserted together, in order, with one INSERT, when the block ends.

    For a service that writes several events at once (opening a claim writes four). Use it
    inside the service's transaction: the events are still written in it, or not at all.
    Inside, an event has no id until the block ends; nothing in such a block reads the
    timeline back.
    """
    if _pending.get() is not None:
        yield  # already batching: the outer block writes them
        return
    token = _pending.set([])
    try:
        yield
        events = _pending.get()
    finally:
        _pending.reset(token)
    CaseEvent.objects.bulk_create(events)
