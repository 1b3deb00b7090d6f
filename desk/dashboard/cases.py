"""Where cases pile up and how long they take: open cases by age, late first answers, time to resolution."""

from __future__ import annotations

import statistics
from datetime import timedelta

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimType
from cases.models import OPEN_STATUSES, Case, CaseKind
from cases.sla import overdue_first_answers

from .chart import Chart

AGE_BUCKETS = [(1, _("under 1 day")), (3, _("1–3 days")), (7, _("3–7 days")), (None, _("over 7 days"))]


def open_by_type_and_age(*, shops=None, now=None) -> Chart:
    now = now or timezone.now()
    cases = Case.objects.filter(status__in=list(OPEN_STATUSES))
    if shops is not None:
        cases = cases.filter(shop__in=shops)
    rows = []
    type_labels = dict(ClaimType.choices) | {"": str(_("Return"))}
    buckets = {}
    lower = None
    for index, (upper, _label) in enumerate(AGE_BUCKETS):
        condition = Q()
        if upper is not None:
            condition &= Q(opened_at__gt=now - timedelta(days=upper))
        if lower is not None:
            condition &= Q(opened_at__lte=now - timedelta(days=lower))
        buckets[f"age{index}"] = Count("id", filter=condition)
        lower = upper
    for row in cases.values("kind", "claim__type").annotate(**buckets, total=Count("id")).order_by("-total"):
        name = (
            type_labels.get(row["claim__type"] or "", row["claim__type"])
            if row["kind"] == CaseKind.CLAIM
            else (str(CaseKind(row["kind"]).label))
        )
        rows.append([str(name), *[row[f"age{i}"] for i in range(len(AGE_BUCKETS))], row["total"]])
    return Chart(
        "open",
        str(_("Open cases by type and age")),
        [str(_("Type")), *[str(label) for _, label in AGE_BUCKETS], str(_("Total"))],
        rows,
    )


def first_response_breaches(*, shops=None, days=30, now=None) -> Chart:
    now = now or timezone.now()
    cases = Case.objects.filter(opened_at__gte=now - timedelta(days=days))
    if shops is not None:
        cases = cases.filter(shop__in=shops)
    late_answered = Q(first_responded_at__isnull=False, first_responded_at__gt=F("first_response_due"))
    totals = cases.aggregate(answered_late=Count("id", filter=late_answered), all=Count("id"))
    # Whatever their age, counted exactly as the queue's Overdue view counts them (the stored
    # business-hours deadlines, open cases only), so the two numbers never disagree.
    waiting = Case.objects.all() if shops is None else Case.objects.filter(shop__in=shops)
    rows = [
        [str(_("Answered late")), totals["answered_late"]],
        [str(_("Still waiting, overdue")), overdue_first_answers(waiting, now=now).count()],
        [str(_("All cases opened")), totals["all"]],
    ]
    return Chart(
        "breaches", str(_("First-response breaches, last 30 days")), [str(_("What")), str(_("Cases"))], rows
    )


def time_to_resolution(*, shops=None, days=90, now=None) -> Chart:
    now = now or timezone.now()
    cases = Case.objects.filter(resolved_at__isnull=False, resolved_at__gte=now - timedelta(days=days))
    if shops is not None:
        cases = cases.filter(shop__in=shops)
    hours_by_kind: dict[str, list[float]] = {}
    for kind, opened, resolved in cases.values_list("kind", "opened_at", "resolved_at").iterator(
        chunk_size=5000
    ):
        hours_by_kind.setdefault(kind, []).append((resolved - opened).total_seconds() / 3600)
    rows = [
        [str(CaseKind(kind).label), len(hours), round(statistics.median(hours), 1)]
        for kind, hours in sorted(hours_by_kind.items())
    ]
    return Chart(
        "resolution",
        str(_("Median hours to resolution, last 90 days")),
        [str(_("Kind")), str(_("Resolved")), str(_("Median hours"))],
        rows,
    )
