"""The triage queue: open cases, most urgent first, filtered and paged by key.

Keyset pagination over (priority desc, first_response_due asc, id asc), the
order of the indexes `case_open_by_urgency` (open cases), `case_by_urgency`
(every status), `case_shop_status_by_urgency` and `case_assignee_by_urgency`: whatever
the filter, PostgreSQL walks one of them and stops after a page, so a deep page
costs what the first page costs, nothing is sorted, and no COUNT(*) runs over
the whole table.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cases.models import OPEN_STATUSES, Case, CaseSeen, CaseStatus, CaseTag
from cases.search import by_relevance, cases_matching
from cases.sla import first_answer_overdue
from config.queries import counts as count_together
from config.queries import param_slots, stand_in
from orders import tenancy
from orders.models import Carrier, Shipment, Shop

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


# The columns the queue sorts by: (field, newest or largest first). Priority, the default, pages
# over the partial index; the others over (field, id), cases without a value last.
SORTS = {
    "priority": ("priority", True),
    # Only with a search: best matches first, paged by position (a search finds few cases).
    "relevance": ("relevance", True),
    "age": ("opened_at", False),
    "due": ("first_response_due", False),
    "value": ("order_value", True),
    "last_message": ("last_buyer_message_at", True),
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
    tag: str = ""
    overdue: bool = False
    q: str = ""
    # A key of SORTS; "-" before it turns the direction round.
    sort: str = "priority"

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
            tag=params.get("tag", "").strip()[:40],
            overdue=params.get("overdue") in ("1", "on", "true"),
            q=params.get("q", "").strip()[:100],
            sort=_sort(params),
        )

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def sort_field_desc(self) -> tuple[str, bool]:
        field_name, desc = SORTS[self.sort_key]
        return field_name, desc != self.sort.startswith("-")


def _sort(params) -> str:
    searching = bool(params.get("q", "").strip())
    sort = params.get("sort", "")
    if sort.lstrip("-") in SORTS and (sort.lstrip("-") != "relevance" or searching):
        return sort
    return "relevance" if searching else "priority"


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
    """The cases the filters pick, shaped so PostgreSQL walks an index in the queue's order.

    Names (shop, assignee, carrier) become ids through scalar subqueries, not joins: with
    `assignee_id = (SELECT …)` the planner reads `case_assignee_by_urgency` in order and stops
    after a page; with a join it reads every case of the agent and sorts them. All seven
    statuses ticked is no status filter at all, which is what `case_by_urgency` serves.
    """
    now = now or timezone.now()
    statuses = set(filters.status or OPEN_STATUSES)
    queryset = Case.objects.all()
    if filters.q:
        # A search is read from the search indexes alone, its statuses and shops checked in the rows
        # found: written plainly, PostgreSQL ANDed the few thousand candidates of "kaufer 4242" with
        # the 170,000 entries of the open cases' index (18 of 25 ms at 1M cases). `shop_id + 0` and
        # `status || ''` are the same tests, which no index serves.
        queryset = queryset.alias(shop_unindexed=F("shop_id") + 0, status_unindexed=Concat("status", Value("")))
    if statuses != set(CaseStatus.values):
        # In the order of OPEN_STATUSES, so that the open queue's predicate matches its partial index.
        wanted = [s for s in CaseStatus.values if s in statuses]
        queryset = queryset.filter(status_unindexed__in=wanted) if filters.q else queryset.filter(status__in=wanted)
    queryset = tenancy.in_shops(queryset, user, path="shop_unindexed" if filters.q else None)
    queryset = apply_view(queryset, filters.view, user=user, now=now)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.type:
        queryset = queryset.filter(claim_type=filters.type)
    if filters.shop:
        queryset = queryset.filter(shop_id=_id_of(Shop.objects.filter(slug=filters.shop)))
    if filters.language:
        queryset = queryset.filter(language=filters.language)
    if filters.tag:
        # The shop's own word, as stored (folded): an EXISTS over the tag's index of cases.
        folded = " ".join(filters.tag.split()).casefold()
        queryset = queryset.filter(Exists(CaseTag.objects.filter(case_id=OuterRef("pk"), tag__name=folded)))
    if filters.assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assignee:
        queryset = queryset.filter(
            assignee_id=_id_of(get_user_model().objects.filter(username=filters.assignee))
        )
    if filters.carrier:
        carrier = _id_of(Carrier.objects.filter(code=filters.carrier))
        queryset = queryset.filter(
            Exists(Shipment.objects.filter(order_id=OuterRef("order_id"), carrier_id=carrier))
        )
    if filters.overdue:
        queryset = queryset.filter(_overdue(now))
    if filters.q:
        queryset = cases_matching(queryset, filters.q)
    return queryset


def _id_of(queryset: QuerySet) -> Subquery:
    """`(SELECT id … LIMIT 1)`: an unknown name matches nothing, and the planner sees one value."""
    return Subquery(queryset.order_by().values("pk")[:1])


def _ordering(filters: QueueFilters) -> list:
    if filters.sort == "priority":
        return ["-priority", "first_response_due", "id"]
    field_name, desc = filters.sort_field_desc
    if filters.sort.startswith("-"):
        # A column's own order read backwards (empty values and higher ids first), so that one
        # partial index (Case.Meta.indexes) serves both directions.
        column = F(field_name).desc(nulls_first=True) if desc else F(field_name).asc(nulls_first=True)
        return [column, "-id"]
    column = F(field_name).desc(nulls_last=True) if desc else F(field_name).asc(nulls_last=True)
    return [column, "id"]


def encode_sorted_cursor(case: Case, filters: QueueFilters) -> str:
    field_name, _desc = filters.sort_field_desc
    value = getattr(case, field_name)
    value = value.isoformat() if isinstance(value, datetime) else (str(value) if value is not None else None)
    raw = json.dumps([filters.sort, value, case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after_sorted_cursor(
    queryset: QuerySet[Case], cursor: str | None, filters: QueueFilters
) -> QuerySet[Case]:
    """The cases after the cursor in a column's order; a cursor of another sort starts from the top."""
    try:
        padded = (cursor or "") + "=" * (-len(cursor or "") % 4)
        sort, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        pk = int(pk)
    except (ValueError, TypeError, json.JSONDecodeError):
        return queryset
    if sort != filters.sort:
        return queryset
    field_name, desc = filters.sort_field_desc
    backwards = filters.sort.startswith("-")
    if value is None:
        if backwards:  # empty values come first, then every case with one
            return queryset.filter(
                Q(**{f"{field_name}__isnull": True, "id__lt": pk}) | Q(**{f"{field_name}__isnull": False})
            )
        return queryset.filter(**{f"{field_name}__isnull": True, "id__gt": pk})
    if field_name in ("opened_at", "first_response_due", "last_buyer_message_at"):
        value = parse_datetime(value)
        if value is None:
            return queryset
    else:
        try:
            value = Decimal(value)
        except (ArithmeticError, ValueError):
            return queryset
    beyond = f"{field_name}__lt" if desc else f"{field_name}__gt"
    if backwards:
        return queryset.filter(Q(**{beyond: value}) | Q(**{field_name: value, "id__lt": pk}))
    return queryset.filter(
        Q(**{beyond: value}) | Q(**{field_name: value, "id__gt": pk}) | Q(**{f"{field_name}__isnull": True})
    )


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(["relevance", offset]).encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    try:
        padded = (cursor or "") + "=" * (-len(cursor or "") % 4)
        sort, offset = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return min(max(int(offset), 0), 10_000) if sort == "relevance" else 0
    except (ValueError, TypeError, json.JSONDecodeError):
        return 0


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
        # Cases without a due time come last within their priority (NULLS LAST, the index's order).
        return queryset.filter(
            Q(priority__lt=priority) | Q(priority=priority, first_response_due__isnull=True, id__gt=pk)
        )
    return queryset.filter(
        Q(priority__lt=priority)
        | Q(priority=priority, first_response_due__gt=due)
        | Q(priority=priority, first_response_due__isnull=True)
        | Q(priority=priority, first_response_due=due, id__gt=pk)
    )


URGENCY = ("-priority", "first_response_due", "id")
PAGE_JOINS = ("order", "buyer", "assignee")
# What a row shows and the cursors read, and no more: a case row is some forty columns (its search
# texts among them), and reading, converting and building them all cost more than the page's query.
PAGE_COLUMNS = (
    *("reference", "kind", "shop", "order", "buyer", "subject", "status", "priority", "assignee", "language"),
    *("order_value", "currency", "needed_by", "respond_by", "first_response_due", "first_responded_at"),
    *("opened_at", "preview", "last_buyer_message_at", "claim_type"),
    *("order__number", "buyer__name", "buyer__email", "buyer__risk_flag", "buyer__risk_reason"),
    "assignee__username",
)
# An index scan per (shop, status) pair, merged: more pairs than this and reading a page of each
# costs more than one walk over `case_by_urgency` (an owner of many shops, every status ticked).
MAX_BRANCHES = 24


def _branches(filters: QueueFilters, *, shops: dict) -> list[tuple[int, str | None]] | None:
    """The (shop, status) pairs to read one by one, or None when one query does better.

    `case_shop_status_by_urgency` holds each shop's cases of each status in the queue's
    order. PostgreSQL reads an index in order only for one value of its leading columns;
    for `shop_id IN (1, 2) AND status IN ('resolved', 'closed')` it would read every such
    case and sort them. So each pair is its own ordered, limited scan, and the pages are
    merged (`_merged_scans`): a page touches at most a page per pair, whatever the table
    holds. A search reads its own trigram index and sorts the few cases it finds; one agent's
    cases come from `case_assignee_by_urgency`.
    """
    if connection.vendor != "postgresql":
        # SQLite (the laptop default) has no LIMIT inside a UNION, and at demo size one query is fine.
        return None
    if filters.q or filters.view == "mine" or (filters.assignee and filters.assignee != "none"):
        return None
    shop_ids = sorted(shops)
    if filters.shop:
        shop_ids = [pk for pk in shop_ids if shops[pk].slug == filters.shop]
    if filters.view == "escalated":
        statuses = [CaseStatus.ESCALATED]
    elif filters.view == "waiting_on_carrier":
        statuses = [CaseStatus.WAITING_ON_CARRIER]
    else:
        statuses = [s for s in CaseStatus.values if s in set(filters.status or OPEN_STATUSES)]
    if filters.type or set(statuses) in (set(OPEN_STATUSES), set(CaseStatus.values)):
        # One scan per shop: `case_shop_type_by_urgency` holds a shop's claims of a type in the
        # queue's order (their statuses filtered on the way), `case_shop_open_by_urgency` its open
        # cases, `case_shop_by_urgency` all of them. Not for settled cases alone: they have the
        # lowest priority, so they lie behind every open case of that index.
        pairs = [(shop, None) for shop in shop_ids]
    else:
        pairs = [(shop, status) for shop in shop_ids for status in statuses]
    return pairs if 0 < len(pairs) <= MAX_BRANCHES else None


def page_query(filters: QueueFilters, *, user, shops: dict, cursor: str | None, limit: int) -> QuerySet[Case]:
    """The one query that reads a page in the queue's order, with the joins the rows show.

    The page's ids come from `page_ids`, an index walk that stops after `limit` rows; the
    joins and the final sort see only those.
    """
    ids = RawSQL(*page_ids(filters, user=user, shops=shops, cursor=cursor, limit=limit))
    return page_rows(Case.objects.filter(pk__in=ids).order_by(*URGENCY), user)


def page_ids(
    filters: QueueFilters, *, user, shops: dict, cursor: str | None, limit: int
) -> tuple[str, tuple]:
    """The SQL and parameters of a page's case ids in the queue's order, read from an index."""
    queryset = after_cursor(filtered_cases(filters, user=user), cursor)
    branches = _branches(filters, shops=shops)
    if branches is None:
        return queryset.order_by(*URGENCY).values("pk")[:limit].query.sql_with_params()
    return _merged_scans(queryset, branches, limit)


def _merged_scans(
    queryset: QuerySet[Case], branches: list[tuple[int, str | None]], limit: int
) -> tuple[str, tuple]:
    """`(scan of pair 1) UNION ALL (scan of pair 2) … ORDER BY … LIMIT`: PostgreSQL merges the scans.

    The scan is compiled once, with stand-ins for shop and status (`config.queries.stand_in`),
    and its text repeated with each pair's values: compiling a queryset per pair cost more than
    PostgreSQL spent on the page. The values stay literal to the planner (a `LATERAL` over the
    pairs hid them, and it then sorted every case of a type instead of walking the index).
    """
    by_status = branches[0][1] is not None  # a scan per (shop, status), else per shop
    stand_ins = {"shop": stand_in(0, branches[0][0]), "status": stand_in(1, "") if by_status else None}
    scan = queryset.filter(shop_id=stand_ins["shop"])
    if by_status:
        scan = scan.filter(status=stand_ins["status"])
    scan = scan.order_by(*URGENCY).values_list("id", "priority", "first_response_due")[:limit]
    sql, params = scan.query.sql_with_params()
    slots = param_slots(params, stand_ins)
    merged: list = []
    for shop, status in branches:
        own = list(params)
        for position, name in slots:
            own[position] = shop if name == "shop" else status
        merged += own
    scans = " UNION ALL ".join([f"({sql})"] * len(branches))
    return (
        f"SELECT page.id FROM ({scans}) AS page"
        " ORDER BY page.priority DESC, page.first_response_due ASC NULLS LAST, page.id ASC LIMIT %s",
        (*merged, limit),
    )


def page_rows(queryset: QuerySet[Case], user) -> QuerySet[Case]:
    """The cases with what their rows show: order, buyer, assignee, the claim's parcel's carrier, when seen."""
    parcel = Shipment.objects.filter(claims__case=OuterRef("pk")).values("carrier_id")[:1]
    rows = (
        queryset.select_related(*PAGE_JOINS).only(*PAGE_COLUMNS).annotate(parcel_carrier_id=Subquery(parcel))
    )
    return with_seen(rows, user)


def with_seen(queryset: QuerySet[Case], user) -> QuerySet[Case]:
    """Each case with when whoever works it (the assignee, else the reader) last opened it: a buyer's
    message after that is unread. A subquery, so the page stays one query."""
    return queryset.annotate(
        seen_at=Subquery(
            CaseSeen.objects.filter(
                case=OuterRef("pk"), user_id=Coalesce(OuterRef("assignee_id"), Value(user.pk))
            ).values("seen_at")[:1]
        )
    )


@dataclass
class QueuePage:
    cases: list[Case]
    next_cursor: str | None

    @property
    def any_respond_by(self) -> bool:
        """Whether the page needs the payment providers' deadline column (disputes on it)."""
        return any(case.respond_by for case in self.cases)


def queue_page(
    filters: QueueFilters,
    *,
    user,
    shops: dict,
    carriers: dict,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the queue: the cases with order, buyer, assignee and the claim's parcel's carrier.

    Shops and carriers come from the caller's lists (the filter menus need them
    anyway) instead of joins: with eight tables in one query PostgreSQL spends
    longer planning it than running it.
    """
    if filters.sort == "priority" and not filters.q:
        # The queue's own order: one ordered, limited scan per (shop, status) merged, or one query.
        rows = list(page_query(filters, user=user, shops=shops, cursor=cursor, limit=size + 1))
    else:
        queryset = filtered_cases(filters, user=user)
        offset = 0
        if filters.sort_key == "relevance":
            offset = _offset(cursor)
            queryset = by_relevance(queryset, filters.q)
        elif filters.sort == "priority":
            queryset = after_cursor(queryset, cursor)
        elif cursor:
            queryset = after_sorted_cursor(queryset, cursor, filters)
        if filters.sort_key != "relevance":
            queryset = queryset.order_by(*_ordering(filters))
        rows = list(page_rows(queryset, user)[offset : offset + size + 1])
    page = rows[:size]
    for case in page:
        case.shop = shops[case.shop_id]
        # The claim's parcel's carrier, for "Lost in transit · DHL"; None without a parcel.
        case.carrier = carriers.get(case.parcel_carrier_id)
        case.unread = bool(
            case.last_buyer_message_at and (case.seen_at is None or case.last_buyer_message_at > case.seen_at)
        )
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = (
            encode_cursor(last) if filters.sort == "priority" else encode_sorted_cursor(last, filters)
        )
    return QueuePage(cases=page, next_cursor=next_cursor)


def view_counts(*, user, now: datetime | None = None) -> dict[str, str]:
    """Capped counts per saved view, so an agent sees where work waits without a full count.

    Kept for half a minute per agent, and for no longer than nothing changes: the key carries a
    generation per shop that every saved case moves on (`cases_changed`), so an assignment or a
    status change shows in the counts at the next page, as it does in the list.
    """
    shop_ids = sorted(tenancy.shop_ids(user) or [])
    key = f"desk:view-counts:{user.pk}:{_generations(shop_ids)}"
    counts = cache.get(key)
    if counts is None:
        now = now or timezone.now()
        base = tenancy.in_shops(Case.objects.filter(status__in=list(OPEN_STATUSES)), user)
        # Each count stops at the cap (a LIMIT inside it); all six in one round trip.
        found = count_together(
            **{
                view: apply_view(base, view, user=user, now=now).order_by()[: COUNT_CAP + 1]
                for view in SAVED_VIEWS
            }
        )
        counts = {view: f"{COUNT_CAP}+" if n > COUNT_CAP else str(n) for view, n in found.items()}
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


def _generation_key(shop_id) -> str:
    return f"desk:cases-generation:{shop_id}"


def _generations(shop_ids) -> str:
    """The shops' case generations in one cache round trip ("all" for someone who sees every shop)."""
    keys = [_generation_key(pk) for pk in shop_ids] or [_generation_key("all")]
    values = cache.get_many(keys)
    return ".".join(str(values.get(key, 0)) for key in keys)


def cases_changed(shop_id) -> None:
    """A case of the shop was saved: counts cached before are of another generation now."""
    for key in (_generation_key(shop_id), _generation_key("all")):
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): start it
            cache.add(key, 1, timeout=None)
