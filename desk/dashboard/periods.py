"""Trend periods: the rollups' days grouped by day, week or month, with a label per period."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.db.models.functions import TruncMonth, TruncWeek

from .report import Report


def period_of(report: Report, field: str = "day"):
    """The expression that buckets a rollup's day into the report's period."""
    return {"day": F(field), "week": TruncWeek(field), "month": TruncMonth(field)}[report.period]


def label(report: Report, value) -> str:
    # A week is named by its Monday, so its label sorts and reads like a date.
    return f"{value:%Y-%m}" if report.period == "month" else f"{value:%Y-%m-%d}"


def all_periods(report: Report) -> list[str]:
    day, labels = report.first, []
    if report.period == "week":
        day -= timedelta(days=day.weekday())
    elif report.period == "month":
        day = day.replace(day=1)
    while day <= report.last:
        labels.append(label(report, day))
        if report.period == "day":
            day += timedelta(days=1)
        elif report.period == "week":
            day += timedelta(days=7)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return labels
