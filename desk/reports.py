"""What the owner reads about the people side: how buyers rated the help, how each agent works, and
what became of the cases agents tagged.

Both are read for the owner's shops over a period (the last 30, 90 or 365 days); every figure
is one grouped query, so the page's cost does not grow with the number of agents or weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import OPEN_STATUSES, Case, CaseKind, CaseTag, Refund, RefundStatus
from decisions.models import DecisionRecord
from messaging.models import FeedbackRating
from orders import tenancy
from orders.models import Role

PERIODS = (30, 90, 365)
HAPPY = 4  # four or five stars: a satisfied buyer, as CSAT is usually counted


@dataclass(frozen=True)
class Csat:
    label: str
    ratings: int
    average: float | None
    satisfied: int

    @property
    def score(self) -> int | None:
        """Satisfied buyers as a percentage of those who rated."""
        return round(100 * self.satisfied / self.ratings) if self.ratings else None


def period_start(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def _ratings(user, since: datetime):
    return tenancy.in_shops(FeedbackRating.objects.filter(rated_at__gte=since), user, roles=[Role.OWNER])


def _csat(rows, label) -> list[Csat]:
    return [
        Csat(label(row), row["ratings"], row["average"], row["satisfied"])
        for row in rows.annotate(
            ratings=Count("pk"), average=Avg("rating"), satisfied=Count("pk", filter=Q(rating__gte=HAPPY))
        )
    ]


def csat_report(user, *, since: datetime) -> dict:
    ratings = _ratings(user, since)
    kinds, claim_types = dict(CaseKind.choices), dict(ClaimType.choices)
    total = ratings.aggregate(
        ratings=Count("pk"), average=Avg("rating"), satisfied=Count("pk", filter=Q(rating__gte=HAPPY))
    )
    return {
        "total": Csat("", total["ratings"], total["average"], total["satisfied"]),
        "by_week": _csat(
            ratings.annotate(week=TruncWeek("rated_at")).values("week").order_by("week"),
            lambda row: row["week"],
        ),
        "by_agent": _csat(
            ratings.values("case__assignee__username").order_by("case__assignee__username"),
            lambda row: row["case__assignee__username"] or "",
        ),
        "by_type": _csat(
            ratings.values("case__kind", "case__claim__type").order_by("case__kind", "case__claim__type"),
            lambda row: str(claim_types.get(row["case__claim__type"]) or kinds.get(row["case__kind"], "")),
        ),
        "comments": list(
            ratings.exclude(comment="").select_related("case__assignee").order_by("-rated_at")[:50]
        ),
    }


@dataclass(frozen=True)
class AgentFigures:
    agent: str
    resolved: int
    first_response: timedelta | None
    resolution: timedelta | None


def agent_report(user, *, since: datetime) -> list[AgentFigures]:
    """Per assignee, the cases resolved in the period and how long they took on average."""
    cases = tenancy.in_shops(Case.objects.filter(resolved_at__gte=since), user, roles=[Role.OWNER])
    rows = (
        cases.values("assignee__username")
        .annotate(
            resolved=Count("pk"),
            first_response=Avg(
                ExpressionWrapper(F("first_responded_at") - F("opened_at"), output_field=DurationField())
            ),
            resolution=Avg(
                ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())
            ),
        )
        .order_by("-resolved", "assignee__username")
    )
    return [
        AgentFigures(
            row["assignee__username"] or "", row["resolved"], row["first_response"], row["resolution"]
        )
        for row in rows
    ]


@dataclass(frozen=True)
class TagFigures:
    tag: str
    shop: str
    currency: str
    cases: int
    still_open: int
    given_back: Decimal
    decided: int
    overridden: int


def tag_report(user, *, since: datetime) -> list[TagFigures]:
    """Per tag, the cases opened in the period that carry it: how many are still open, the money
    refunded on them, and how often agents overrode the matrix's recommendation (a tag such as
    "influencer" or "wedding" whose cases are overridden again and again asks for a rule of its own).

    Three grouped queries: counting refunds or decisions in the cases' query would count a case
    once per refund and per decision.
    """
    tagged = tenancy.in_shops(
        CaseTag.objects.filter(case__opened_at__gte=since), user, roles=[Role.OWNER], path="tag__shop"
    )
    rows = list(
        tagged.values("tag_id", "tag__name", "tag__shop__name", "tag__shop__currency")
        .annotate(
            cases=Count("case_id"), still_open=Count("case_id", filter=Q(case__status__in=OPEN_STATUSES))
        )
        .order_by("-cases", "tag__name")
    )
    tag_ids = [row["tag_id"] for row in rows]
    given_back = dict(
        Refund.objects.filter(case__case_tags__tag_id__in=tag_ids, case__opened_at__gte=since)
        .exclude(status=RefundStatus.FAILED)
        .values_list("case__case_tags__tag_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    decisions = {
        row["case__case_tags__tag_id"]: row
        for row in DecisionRecord.objects.filter(
            case__case_tags__tag_id__in=tag_ids, case__opened_at__gte=since
        )
        .values("case__case_tags__tag_id")
        .annotate(
            decided=Count("case_id", distinct=True),
            overridden=Count("case_id", filter=Q(overridden_at__isnull=False), distinct=True),
        )
        .order_by()
    }
    return [
        TagFigures(
            tag=row["tag__name"],
            shop=row["tag__shop__name"],
            currency=row["tag__shop__currency"],
            cases=row["cases"],
            still_open=row["still_open"],
            given_back=given_back.get(row["tag_id"]) or Decimal("0"),
            decided=decisions.get(row["tag_id"], {}).get("decided", 0),
            overridden=decisions.get(row["tag_id"], {}).get("overridden", 0),
        )
        for row in rows
    ]
