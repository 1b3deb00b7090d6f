"""Writing the case's timeline: one `CaseEvent` per change, in the same transaction as the change."""

from __future__ import annotations

from .models import Case, CaseEvent
from .verbs import SystemReason, Verb, reason_data


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
    return CaseEvent.objects.create(
        case=case, actor=user_or_none(actor), verb=Verb(verb), old=str(old), new=str(new), data=data
    )
