"""The triage queue: open cases, most urgent first, filtered and paged by key.

Keyset pagination over (priority desc, first_response_due asc, id asc), the
order of the partial index `case_open_by_urgency`: a deep page costs what the
first page costs, and no COUNT(*) runs over the whole table.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cases.models import OPEN_STATUSES, Case, CaseStatus
from cases.sla import first_answer_overdue
from orders import tenancy
from orders.models import Shipment

PAGE_SIZE = 25
# Counts on the saved views stop here: "999+" tells an agent enough.
COUNT_CAP = 999
COUNTS_SECONDS = 30

SAVED_VIEWS = {
    "all": _("All open"),
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "escalated": _("Escalated"),
    "waiting_on_carrier": _("Waiting on carrier"),
    "overdue": _("Overdue"),
}


@dataclass
class QueueFilters:
    view: str = "all"
    kind: str = ""
    type: str = ""
    status: list[str] = field(default_factory=list)
    shop: str = ""
    carrier: str = ""
    assignee: str = ""
    language: str = ""
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_query(cls, params) -> QueueFilters:
        return cls(
            view=params.get("view") if params.get("view") in SAVED_VIEWS else "all",
            kind=params.get("kind", ""),
            type=params.get("type", ""),
            status=[s for s in params.getlist("status") if s in CaseStatus.values],
            shop=params.get("shop", ""),
            carrier=params.get("carrier", ""),
            assignee=params.get("assignee", ""),
            language=params.get("language", ""),
            overdue=params.get("overdue") in ("1", "on", "true"),
            q=params.get("q", "").strip()[:100],
        )


def _overdue(now: datetime) -> Q:
    # Shared with the dashboard's count, so both say the same number.
    return first_answer_overdue(now)


def apply_view(queryset: QuerySet[Case], view: str, *, user, now: datetime) -> QuerySet[Case]:
    if view == "mine":
        return queryset.filter(assignee=user)
    if view == "unassigned":
        return queryset.filter(assignee__isnull=True)
    if view == "escalated":
        return queryset.filter(status=CaseStatus.ESCALATED)
    if view == "waiting_on_carrier":
        return queryset.filter(status=CaseStatus.WAITING_ON_CARRIER)
    if view == "overdue":
        return queryset.filter(_overdue(now))
    return queryset


def filtered_cases(filters: QueueFilters, *, user, now: datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    queryset = tenancy.in_shops(Case.objects.filter(status__in=filters.status or list(OPEN_STATUSES)), user)
    queryset = apply_view(queryset, filters.view, user=user, now=now)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.type:
        queryset = queryset.filter(claim__type=filters.type)
    if filters.shop:
        queryset = queryset.filter(shop__slug=filters.shop)
    if filters.language:
        queryset = queryset.filter(language=filters.language)
    if filters.assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assignee:
        queryset = queryset.filter(assignee__username=filters.assignee)
    if filters.carrier:
        queryset = queryset.filter(
            Exists(Shipment.objects.filter(order_id=OuterRef("order_id"), carrier__code=filters.carrier))
        )
    if filters.overdue:
        queryset = queryset.filter(_overdue(now))
    if filters.q:
        queryset = queryset.filter(search_text__contains=filters.q.lower())
    return queryset


def encode_cursor(case: Case) -> str:
    due = case.first_response_due.isoformat() if case.first_response_due else ""
    raw = json.dumps([case.priority, due, case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, datetime | None, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        priority, due, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return int(priority), parse_datetime(due) if due else None, int(pk)
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def after_cursor(queryset: QuerySet[Case], cursor: str | None) -> QuerySet[Case]:
    position = decode_cursor(cursor) if cursor else None
    if position is None:
        return queryset
    priority, due, pk = position
    # `priority <= p` is redundant with the OR below but lets PostgreSQL start the index
    # scan at the cursor instead of filtering every row before it.
    queryset = queryset.filter(priority__lte=priority)
    if due is None:
        return queryset.filter(Q(priority__lt=priority) | Q(priority=priority, id__gt=pk))
    return queryset.filter(
        Q(priority__lt=priority)
        | Q(priority=priority, first_response_due__gt=due)
        | Q(priority=priority, first_response_due=due, id__gt=pk)
    )


@dataclass
class QueuePage:
    cases: list[Case]
    next_cursor: str | None


def queue_page(
    filters: QueueFilters,
    *,
    user,
    shops: dict,
    carriers: dict,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the queue: the cases with order, buyer, assignee and claim, and their parcels.

    Shops and carriers come from the caller's lists (the filter menus need them
    anyway) instead of joins: with eight tables in one query PostgreSQL spends
    longer planning it than running it.
    """
    queryset = (
        after_cursor(filtered_cases(filters, user=user), cursor)
        .select_related("order", "buyer", "assignee", "claim")
        .order_by("-priority", "first_response_due", "id")
    )
    rows = list(queryset[: size + 1])
    page = rows[:size]
    parcel_ids = [case.claim.shipment_id for case in page if _claim(case) and case.claim.shipment_id]
    parcels = Shipment.objects.in_bulk(parcel_ids) if parcel_ids else {}
    for case in page:
        case.shop = shops[case.shop_id]
        claim = _claim(case)
        if claim is not None and claim.shipment_id in parcels:
            parcel = parcels[claim.shipment_id]
            parcel.carrier = carriers[parcel.carrier_id]
            claim.shipment = parcel
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return QueuePage(cases=page, next_cursor=next_cursor)


def _claim(case: Case):
    try:
        return case.claim
    except Case.claim.RelatedObjectDoesNotExist:
        return None


def view_counts(*, user, now: datetime | None = None) -> dict[str, str]:
    """Capped counts per saved view, so an agent sees where work waits without a full count.

    Kept for half a minute per agent: the numbers guide, the list itself is always fresh.
    """
    key = f"desk:view-counts:{user.pk}"
    counts = cache.get(key)
    if counts is None:
        now = now or timezone.now()
        base = tenancy.in_shops(Case.objects.filter(status__in=list(OPEN_STATUSES)), user)
        counts = {}
        for view in SAVED_VIEWS:
            n = apply_view(base, view, user=user, now=now).order_by()[: COUNT_CAP + 1].count()
            counts[view] = f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)
        cache.set(key, counts, COUNTS_SECONDS)
    return counts
