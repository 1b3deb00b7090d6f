"""Where cases pile up and how long they take: open cases by age, late first answers, time to resolution."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimType
from cases.models import Case, CaseKind
from cases.sla import overdue_first_answers

from ..rollups.models import CaseDay
from .chart import Chart
from .periods import all_periods, label, period_of
from .report import Report

# (oldest age in whole days, label): a case opened today is under 1 day old, yesterday's 1 day.
AGE_BUCKETS = [(0, _("under 1 day")), (2, _("1–3 days")), (6, _("3–7 days")), (None, _("over 7 days"))]


def _type_name(kind: str, claim_type: str, types: dict | None = None) -> str:
    if kind == CaseKind.CLAIM and claim_type:
        return str((types or dict(ClaimType.choices)).get(claim_type, claim_type))
    return str(CaseKind(kind).label) if kind in CaseKind.values else kind


def open_by_type_and_age(report: Report) -> Chart:
    """Every case open now, whenever it was opened (the date range does not apply: a backlog is a backlog)."""
    today = timezone.localdate(report.now)
    grouped = (
        CaseDay.objects.filter(shop__in=report.shops, still_open__gt=0)
        .values("kind", "claim_type", "day")
        .annotate(n=Sum("still_open"))
    )
    table: dict = {}
    types = dict(ClaimType.choices)
    for row in grouped:
        age = (today - row["day"]).days
        bucket = next(i for i, (upper, _l) in enumerate(AGE_BUCKETS) if upper is None or age <= upper)
        counts = table.setdefault(_type_name(row["kind"], row["claim_type"], types), [0] * len(AGE_BUCKETS))
        counts[bucket] += row["n"]
    rows = sorted(
        ([name, *counts, sum(counts)] for name, counts in table.items()), key=lambda r: (-r[-1], r[0])
    )
    return Chart(
        "open",
        str(_("Open cases by type and age")),
        [str(_("Type")), *[str(text) for _u, text in AGE_BUCKETS], str(_("Total"))],
        rows,
    )


def first_response_breaches(report: Report) -> Chart:
    opened = CaseDay.objects.filter(**report.in_range()).aggregate(
        late=Sum("answered_late"), all=Sum("opened")
    )
    # Whatever their age, counted exactly as the queue's Overdue view counts them (the stored
    # business-hours deadlines, open cases only), so the two numbers never disagree.
    waiting = overdue_first_answers(Case.objects.filter(shop__in=report.shops), now=report.now).count()
    rows = [
        [str(_("Answered late")), opened["late"] or 0],
        [str(_("Still waiting, overdue")), waiting],
        [str(_("All cases opened")), opened["all"] or 0],
    ]
    return Chart("breaches", str(_("First-response breaches")), [str(_("What")), str(_("Cases"))], rows)


def time_to_resolution(report: Report) -> Chart:
    grouped = (
        CaseDay.objects.filter(**report.in_range(), resolved__gt=0)
        .values("kind")
        .annotate(n=Sum("resolved"), hours=Sum("resolution_hours"))
        .order_by("kind")
    )
    rows = [
        [str(_type_name(row["kind"], "")), row["n"], round(row["hours"] / row["n"], 1)] for row in grouped
    ]
    return Chart(
        "resolution",
        str(_("Average hours to resolution")),
        [str(_("Kind")), str(_("Resolved")), str(_("Average hours"))],
        rows,
    )


def cases_over_time(report: Report) -> Chart:
    grouped = (
        CaseDay.objects.filter(**report.in_range())
        .annotate(period=period_of(report))
        .values("period")
        .annotate(opened=Sum("opened"), resolved=Sum("resolved"))
        .order_by("period")
    )
    rows = [[label(report, row["period"]), row["opened"], row["resolved"]] for row in grouped]
    return Chart(
        "cases",
        str(_("Cases opened and resolved")),
        [report.period_label, str(_("Opened")), str(_("Resolved"))],
        rows,
        kind="lines",
        series=[1, 2],
        periods=all_periods(report),
    )
