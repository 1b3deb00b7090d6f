"""Reads of decisions that the admin, the API and the desk share."""

from django.db.models import QuerySet

from orders import tenancy
from orders.models import Shop

from .models import DecisionMatrix, DecisionRecord


def shop_for_evaluation(slug: str, *, user) -> Shop | None:
    """One of the user's shops: another shop's matrix is not theirs to ask."""
    return tenancy.shops_of(user).filter(slug=slug).first()


def decisions_for_case(case) -> QuerySet[DecisionRecord]:
    """A case's decisions, latest first, with what the template shows of each."""
    return (
        DecisionRecord.objects.filter(case=case)
        .select_related("rule", "overridden_by")
        .order_by("-created_at", "-id")
    )


def latest_decision(case) -> DecisionRecord | None:
    """The case's current recommendation; from the prefetched decisions when a page loaded them."""
    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("decisions")
    if prefetched is not None:
        return max(prefetched, key=lambda record: (record.created_at, record.pk), default=None)
    return decisions_for_case(case).first()


def matrices_for_shop(shop: Shop) -> QuerySet[DecisionMatrix]:
    return DecisionMatrix.objects.filter(shop=shop).order_by("-version")


def auto_applied_on_order(*, order_id: int, claim_type: str) -> bool:
    """Whether a decision of this claim type already applied itself on a case of the order."""
    return DecisionRecord.objects.filter(
        case__order_id=order_id, auto_applied=True, inputs__claim_type=claim_type
    ).exists()
