"""Collision awareness: who else has a case open, who is typing a reply, and replies written in between.

The case page tells the server every `POLL_SECONDS` that the agent is still there
(htmx polling: no socket server to run); anyone seen within `FRESH` counts as
present. Typing is the same heartbeat with a flag, sent a moment after a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from cases.models import Case, CaseEvent
from cases.verbs import Verb

from .models import CasePresence

POLL_SECONDS = 10
FRESH = timedelta(seconds=3 * POLL_SECONDS)  # two missed heartbeats and the agent counts as gone
TYPING_FRESH = timedelta(seconds=15)
# What a colleague's reply or the buyer's new e-mail looks like on the timeline.
NEWS_VERBS = (Verb.REPLIED, Verb.EMAIL_RECEIVED)


@dataclass(frozen=True)
class Colleague:
    name: str
    typing: bool


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def presence_touch(*, case: Case, user, typing: bool = False) -> None:
    """The agent is on the case (and typing, if so): one upsert, safe when two tabs poll at once."""
    now = timezone.now()
    fields = ["seen_at", "typing_at"] if typing else ["seen_at"]
    CasePresence.objects.bulk_create(
        [CasePresence(case=case, user=user, seen_at=now, typing_at=now if typing else None)],
        update_conflicts=True,
        unique_fields=["case", "user"],
        update_fields=fields,
    )


def presence_leave(*, case: Case, user) -> None:
    CasePresence.objects.filter(case=case, user=user).delete()


def others_on(case: Case, *, user) -> list[Colleague]:
    now = timezone.now()
    rows = (
        CasePresence.objects.filter(case=case, seen_at__gte=now - FRESH)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__username")
    )
    return [
        Colleague(_name(row.user), bool(row.typing_at and row.typing_at >= now - TYPING_FRESH))
        for row in rows
    ]


def others_on_cases(case_ids, *, user) -> dict[int, list[str]]:
    """For the queue: which of these cases a colleague has open, in one query."""
    rows = (
        CasePresence.objects.filter(case_id__in=list(case_ids), seen_at__gte=timezone.now() - FRESH)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__username")
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row.case_id, []).append(_name(row.user))
    return found


def latest_news_id(case: Case) -> int:
    """The newest reply or buyer e-mail on the case's timeline; 0 when there is none."""
    loaded = getattr(case, "_prefetched_objects_cache", {}).get("events")
    if loaded is not None:  # the page read the timeline already
        return max((event.pk for event in loaded if event.verb in NEWS_VERBS), default=0)
    event = case.events.filter(verb__in=NEWS_VERBS).order_by("-id").values_list("id", flat=True).first()
    return event or 0


def news_since(case: Case, *, seen: int, user) -> CaseEvent | None:
    """A reply by someone else, or an e-mail from the buyer, newer than what the agent's page showed."""
    return (
        case.events.filter(id__gt=seen, verb__in=NEWS_VERBS)
        .filter(Q(actor__isnull=True) | ~Q(actor=user))
        .select_related("actor")
        .order_by("-id")
        .first()
    )


def presence_sweep(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Rows of agents long gone; run by beat so the table stays small."""
    deleted, _rows = CasePresence.objects.filter(seen_at__lt=timezone.now() - older_than).delete()
    return deleted
