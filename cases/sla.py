"""SLA deadlines: when a case's first answer and its resolution are due, in the shop's business hours.

The clock runs only while the shop's support works (its opening hours in its time zone, minus
its country's public holidays and its own closed days) and stops while the case waits on the
buyer: a case opened Friday 18:00 in Berlin with an 8-hour target is due Monday 16:00, never
"overdue" on Saturday. The deadlines are stored on the case (`first_response_due`,
`resolution_due`), so the queue, the case page and the dashboard read the same numbers.

They are computed again when the status changes (the clock stops or starts) and, for every open
case of a shop, when its policies or opening hours change (`sla_recompute_shop`).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache as memoized

import holidays
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from config import caching

from .models import (
    ENQUIRY_TYPE,
    OPEN_STATUSES,
    RETURN_TYPE,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    ClosedDay,
    OpeningHours,
    SlaPolicy,
)
from .priority import case_priority
from .verbs import Verb

# The clock stops while the buyer has to act; and a resolved case has nothing left to do.
PAUSED_STATUSES = frozenset({CaseStatus.WAITING_ON_BUYER, CaseStatus.RESOLVED, CaseStatus.CLOSED})
# Days off besides the public ones: in Sweden (and Switzerland) Midsummer Eve, Christmas Eve and
# New Year's Eve are not law but nobody works; `holidays` files them as "de facto".
HOLIDAY_CATEGORIES = {"SE": ("public", "de_facto"), "CH": ("public", "de_facto")}
# A dispute must be answered before the payment provider's deadline: give agents a day's margin.
DISPUTE_MARGIN = timedelta(hours=24)
# Opening hours and policies in the cache: dropped on every change, so this only bounds a lost drop.
SETTINGS_CACHE_SECONDS = 600
# No calendar has a year without an open hour; this only stops a loop over a broken one.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Targets:
    first_response: timedelta
    resolution: timedelta | None


@dataclass
class BusinessCalendar:
    """The hours a shop's support works, in its time zone. No hours at all: round the clock."""

    time_zone: zoneinfo.ZoneInfo
    hours: dict[int, list[tuple[time, time]]] = field(default_factory=dict)
    country: str = ""
    closed: frozenset[date] = frozenset()

    @property
    def _holidays(self):
        return public_holidays(self.country)

    @property
    def round_the_clock(self) -> bool:
        return not self.hours

    def is_closed(self, day: date) -> bool:
        return day in self.closed or day in self._holidays

    def open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working intervals from `start` on, in UTC, in order (the first one clipped at `start`)."""
        if self.round_the_clock:
            yield start.astimezone(UTC), datetime.max.replace(tzinfo=UTC)
            return
        day = start.astimezone(self.time_zone).date()
        for _ in range(MAX_DAYS):
            if not self.is_closed(day):
                for opens, closes in self.hours.get(day.weekday(), ()):
                    # In UTC: Python subtracts two times of one zone by their wall clocks, which
                    # would count an hour too many or too few on the night clocks change.
                    begin = datetime.combine(day, opens, tzinfo=self.time_zone).astimezone(UTC)
                    end = datetime.combine(day, closes, tzinfo=self.time_zone).astimezone(UTC)
                    if end > start:
                        yield max(begin, start), end
            day += timedelta(days=1)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of working time after `start`."""
        left = amount
        for begin, end in self.open_intervals(start):
            if end - begin >= left:
                return begin + left
            left -= end - begin
        raise ValueError("no opening hours within three years")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time between two moments."""
        total = timedelta()
        if end <= start:
            return total
        for begin, stop in self.open_intervals(start):
            if begin >= end:
                break
            total += min(stop, end) - begin
        return total


@memoized
def public_holidays(country: str):
    """A country's days off, shared by every calendar: building them costs tens of milliseconds."""
    if not country:
        return {}
    try:
        return holidays.country_holidays(country, categories=HOLIDAY_CATEGORIES.get(country, ("public",)))
    except NotImplementedError:
        # A country `holidays` does not know: opening hours still count, without holidays.
        return {}


@dataclass(frozen=True)
class ShopSettings:
    """What an owner sets for the shop's SLA: opening hours, closed days, policies (as plain values)."""

    hours: dict[int, list[tuple[time, time]]]
    closed: frozenset[date]
    policies: tuple[tuple[str, int, int | None], ...]  # (case type, first response h, resolution h)


def _settings_key(shop_id: int) -> str:
    return f"sla-settings:{shop_id}"


def shop_settings(shop) -> ShopSettings:
    """Read through the cache: every case opened or moved needs them, an owner changes them rarely.

    `sla_changed` (every edit of hours, days or policies goes through it) and any save or delete
    of those rows drop the entry at once and again at commit. A cache that is down reads as empty
    (`config.cache`).
    """
    key = _settings_key(shop.pk)
    found = cache.get(key)
    if found is not None:
        return found
    hours: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in (
        OpeningHours.objects.filter(shop_id=shop.pk)
        .order_by("weekday", "opens")
        .values_list("weekday", "opens", "closes")
    ):
        hours.setdefault(weekday, []).append((opens, closes))
    found = ShopSettings(
        hours=hours,
        closed=frozenset(ClosedDay.objects.filter(shop_id=shop.pk).values_list("date", flat=True)),
        policies=tuple(
            SlaPolicy.objects.filter(shop_id=shop.pk).values_list(
                "case_type", "first_response_hours", "resolution_hours"
            )
        ),
    )
    cache.set(key, found, SETTINGS_CACHE_SECONDS)
    return found


def forget_shop_settings(shop_id: int) -> None:
    caching.forget([_settings_key(shop_id)])


def connect_signals() -> None:
    for model in (OpeningHours, ClosedDay, SlaPolicy):
        caching.forget_on_change(
            model, lambda row: [_settings_key(row.shop_id)], uid=f"sla-settings-{model.__name__}"
        )


def calendar_for(shop) -> BusinessCalendar:
    found = shop_settings(shop)
    return BusinessCalendar(
        time_zone=zoneinfo.ZoneInfo(shop.time_zone),
        hours=found.hours,
        country=shop.country,
        closed=found.closed,
    )


def case_type(case: Case) -> str:
    """What a policy names: the claim's type, or "return" / "enquiry"."""
    if case.kind == CaseKind.RETURN:
        return RETURN_TYPE
    if case.kind == CaseKind.ENQUIRY:
        return ENQUIRY_TYPE
    try:
        return case.claim.type
    except ObjectDoesNotExist:
        return ""


def targets_for(found: ShopSettings, kind: str) -> Targets:
    """The policy for this type of case, else the shop's default policy, else the installation's setting."""
    by_type = {case_type: (first, resolution) for case_type, first, resolution in found.policies}
    policy = by_type.get(kind) or by_type.get("")
    if policy is not None:
        first, resolution = policy
        return Targets(timedelta(hours=first), timedelta(hours=resolution) if resolution else None)
    return Targets(
        timedelta(hours=settings.POSTSALE_FIRST_RESPONSE_HOURS),
        timedelta(hours=settings.POSTSALE_RESOLUTION_HOURS) if settings.POSTSALE_RESOLUTION_HOURS else None,
    )


def running_periods(
    opened_at: datetime, changes: Iterable[tuple[datetime, str]], status_now: str
) -> list[tuple[datetime, datetime | None]]:
    """When the clock ran: from opening, stopped by each paused status and started again when it ended.

    `changes` are the status changes in order (when, new status); the last period is open-ended
    (None) unless the case is paused now.
    """
    periods: list[tuple[datetime, datetime | None]] = []
    running_since: datetime | None = opened_at
    for at, new in changes:
        if new in PAUSED_STATUSES and running_since is not None:
            periods.append((running_since, max(at, running_since)))
            running_since = None
        elif new not in PAUSED_STATUSES and running_since is None:
            running_since = at
    if running_since is not None and status_now not in PAUSED_STATUSES:
        periods.append((running_since, None))
    return periods


def due_after(
    calendar: BusinessCalendar, periods: list[tuple[datetime, datetime | None]], target: timedelta
) -> datetime | None:
    """When `target` of working time is used up over the running periods; None while paused short of it."""
    left = target
    for start, end in periods:
        if end is None:
            return calendar.add(start, left)
        used = calendar.between(start, end)
        if used >= left:
            return calendar.add(start, left)
        left -= used
    return None


@dataclass(frozen=True)
class Deadlines:
    first_response_due: datetime | None
    resolution_due: datetime | None


def deadlines(
    case: Case,
    *,
    calendar: BusinessCalendar,
    targets: Targets,
    changes: Iterable[tuple[datetime, str]],
) -> Deadlines:
    opened_at = case.opened_at or timezone.now()
    periods = running_periods(opened_at, changes, case.status)
    first = due_after(calendar, periods, targets.first_response)
    if case.respond_by:
        # A dispute: the provider's deadline comes first, whatever the shop's hours.
        cap = max(opened_at + timedelta(hours=1), case.respond_by - DISPUTE_MARGIN)
        first = min(first, cap) if first else cap
    resolution = due_after(calendar, periods, targets.resolution) if targets.resolution else None
    return Deadlines(first, resolution)


def _status_changes(case_ids: list[int]) -> dict[int, list[tuple[datetime, str]]]:
    changes: dict[int, list[tuple[datetime, str]]] = {pk: [] for pk in case_ids}
    for case_id, at, new in (
        CaseEvent.objects.filter(case_id__in=case_ids, verb=Verb.STATUS_CHANGED)
        .order_by("at", "id")
        .values_list("case_id", "at", "new")
    ):
        changes[case_id].append((at, new))
    return changes


def _apply(case: Case, found: Deadlines) -> list[str]:
    """Store what changed; a first answer already sent keeps the deadline it was measured against."""
    fields = []
    if case.first_responded_at is None and case.first_response_due != found.first_response_due:
        case.first_response_due = found.first_response_due
        fields.append("first_response_due")
    if case.status in OPEN_STATUSES and case.resolution_due != found.resolution_due:
        case.resolution_due = found.resolution_due
        fields.append("resolution_due")
    return fields


def case_sla_refresh(case: Case, *, kind: str | None = None) -> list[str]:
    """Compute the case's deadlines again and store them; returns the fields that changed.

    Called inside the transaction that changed the case (its status event already written), or
    on a case not saved yet (then only its fields are set). `kind` names the policy's case type
    when the case cannot tell yet (a claim opening before its claim row exists).
    """
    found = deadlines(
        case,
        calendar=calendar_for(case.shop),
        targets=targets_for(shop_settings(case.shop), kind or case_type(case)),
        changes=_status_changes([case.pk])[case.pk] if case.pk else [],
    )
    fields = _apply(case, found)
    if fields and case.pk:
        Case.objects.filter(pk=case.pk).update(**{name: getattr(case, name) for name in fields})
    return fields


def sla_recompute_shop(shop, *, batch: int = 500) -> int:
    """Every open case of the shop measured against its current policies and hours; returns how many moved.

    Run after an owner edits a policy, opening hours or closed days (a task on commit, and the
    `sla_recompute` command). Policies, calendar and status events are read once per batch.
    """
    # From the rows as stored, not the cache: the command also follows edits made past the
    # services (an `update()`, a restore).
    forget_shop_settings(shop.pk)
    calendar, found = calendar_for(shop), shop_settings(shop)
    open_cases = (
        Case.objects.filter(shop=shop, status__in=list(OPEN_STATUSES)).select_related("claim").order_by("id")
    )
    changed = 0
    last_id = 0
    while True:
        cases = list(open_cases.filter(id__gt=last_id)[:batch])
        if not cases:
            return changed
        last_id = cases[-1].pk
        changes = _status_changes([case.pk for case in cases])
        moved = []
        for case in cases:
            targets = targets_for(found, case_type(case))
            fields = _apply(
                case, deadlines(case, calendar=calendar, targets=targets, changes=changes[case.pk])
            )
            if fields:
                case.priority = case_priority(case)
                moved.append(case)
        Case.objects.bulk_update(moved, ["first_response_due", "resolution_due", "priority"])
        changed += len(moved)


def first_answer_overdue(now: datetime) -> Q:
    """Open cases whose first answer is late: the Overdue view and the dashboard count these, and only these."""
    return Q(status__in=list(OPEN_STATUSES), first_responded_at__isnull=True, first_response_due__lt=now)


def overdue_first_answers(cases: QuerySet[Case], *, now: datetime | None = None) -> QuerySet[Case]:
    return cases.filter(first_answer_overdue(now or timezone.now()))


def resolution_overdue(now: datetime) -> Q:
    return Q(status__in=list(OPEN_STATUSES), resolution_due__lt=now)


def sla_changed(shop) -> None:
    """An owner changed a policy, opening hours or closed days: measure the shop's open cases again."""
    from .tasks import sla_recompute  # tasks import this module

    shop_id = shop.pk
    forget_shop_settings(shop_id)
    transaction.on_commit(lambda: sla_recompute.delay(shop_id))
