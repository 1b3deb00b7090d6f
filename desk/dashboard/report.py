"""What a dashboard shows: which shops, which days, and how a trend is bucketed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RANGES = (30, 90, 365)
DEFAULT_DAYS = 90
# A longer span would show years of daily rows in one chart; three years covers "this year against last".
LONGEST = 3 * 366


class RangeError(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass
class Report:
    shops: list
    first: date
    last: date
    now: datetime = field(default_factory=timezone.now)
    days: int | None = None

    @property
    def span_days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def period(self) -> str:
        """How trends are bucketed: by day up to two months, by week up to half a year, else by month."""
        if self.span_days <= 62:
            return "day"
        return "week" if self.span_days <= 183 else "month"

    @property
    def period_label(self) -> str:
        return str({"day": _("Day"), "week": _("Week"), "month": _("Month")}[self.period])

    def in_range(self, prefix: str = "") -> dict:
        return {
            f"{prefix}day__gte": self.first,
            f"{prefix}day__lte": self.last,
            f"{prefix}shop__in": self.shops,
        }


def report_for(shops, *, days=None, date_from=None, date_to=None, now=None) -> Report:
    """The report over `shops` for the last `days` days (30, 90 or 365) or from..to (ISO dates).

    Raises RangeError naming the field for anything else.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if date_from or date_to:
        try:
            first = date.fromisoformat(date_from) if date_from else None
        except ValueError:
            raise RangeError("from", str(_("Give the first day as YYYY-MM-DD."))) from None
        try:
            last = date.fromisoformat(date_to) if date_to else today
        except ValueError:
            raise RangeError("to", str(_("Give the last day as YYYY-MM-DD."))) from None
        if first is None:
            raise RangeError("from", str(_("Give the first day as YYYY-MM-DD.")))
        if first > last:
            raise RangeError("from", str(_("The first day comes after the last.")))
        if (last - first).days >= LONGEST:
            raise RangeError("from", str(_("Choose at most three years.")))
        return Report(shops=list(shops), first=first, last=last, now=now)
    if days in (None, ""):
        days = DEFAULT_DAYS
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = None
    if days not in RANGES:
        raise RangeError("days", str(_("Choose 30, 90 or 365 days.")))
    return Report(shops=list(shops), first=today - timedelta(days=days - 1), last=today, now=now, days=days)
