"""Reads of cases shared by the API and the desk pages, with fixed query counts."""

from django.db.models import Prefetch, QuerySet

from .models import Case, CaseEvent


def cases_list() -> QuerySet[Case]:
    # One query: the case with its shop, order, buyer, assignee and claim joined.
    return Case.objects.select_related("shop", "order", "buyer", "assignee", "claim")


def case_detail() -> QuerySet[Case]:
    from claims.models import ClaimLine

    return (
        cases_list()
        .select_related("claim__shipment__carrier")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "id")),
            "notes__author",
            "refunds",
            "resolutions",
            "decisions",
            Prefetch("claim__lines", queryset=ClaimLine.objects.select_related("order_line")),
            "claim__carrier_claims__carrier",
            "claim__steps_done",
        )
    )
