"""Reads of cases shared by the API and the desk pages, with fixed query counts."""

import zoneinfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from cases.approvals import standing
from cases.models import OPEN_STATUSES, Case, CaseEvent, CaseKind, CaseNote, CaseStatus, CaseTag
from cases.priority import priority_reasons
from cases.tags import shop_tags
from claims.models import CarrierClaimStatus, ClaimLine
from claims.playbooks import playbook_for
from decisions.selectors import latest_decision
from messaging.selectors import canned_replies_for, case_conversation
from orders.models import OrderNote, RiskFlag, Shipment, TrackingEvent
from returns.models import Condition, ReturnRequest

from .dispute_evidence import evidence_panel
from .forms import ACTION_CHOICES
from .presence import POLL_SECONDS, latest_news_id
from .previews import action_hints
from .timeline import timeline_entries


def cases_list() -> QuerySet[Case]:
    # One query: the case with its shop, order, buyer, assignee and claim joined.
    return Case.objects.select_related("shop", "order", "buyer", "assignee", "claim")


def case_detail() -> QuerySet[Case]:
    return cases_list().prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "id")),
        # The author joined, not fetched by a query of its own.
        Prefetch("notes", queryset=CaseNote.objects.select_related("author")),
        "refunds",
        "invoice_reductions",
        "resolutions",
        "decisions",
        Prefetch("claim__lines", queryset=ClaimLine.objects.select_related("order_line")),
        "claim__carrier_claims__carrier",
        "claim__steps_done",
    )


def case_page() -> QuerySet[Case]:
    """Everything the case page shows, in a fixed number of queries whatever the case holds."""
    shipments = Shipment.objects.select_related("carrier").prefetch_related(
        Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id"))
    )
    return case_detail().prefetch_related(
        # Not joined: each table joined to the case's query made PostgreSQL's planner weigh more
        # join orders; with the return and its refund it spent 4.5 ms planning a 0.4 ms query.
        Prefetch("return_request", queryset=ReturnRequest.objects.select_related("refund")),
        "order__lines",
        "order__payments",
        Prefetch("order__shipments", queryset=shipments),
        Prefetch("order__notes", queryset=OrderNote.objects.select_related("author")),
        "claim__photos",
        "return_request__lines__order_line",
        "outbound_calls",
        Prefetch("case_tags", queryset=CaseTag.objects.select_related("tag")),
    )


def case_page_context(case: Case, *, user) -> dict:
    claim = getattr(case, "claim", None)
    decision = latest_decision(case)
    return_request = getattr(case, "return_request", None)
    done = {step.key: step for step in claim.steps_done.all()} if claim else {}
    playbook = (
        [{"step": step, "done": done.get(step.key)} for step in playbook_for(claim.type)] if claim else []
    )
    limits = standing(user=user, shop=case.shop, case=case)
    return {
        "case": case,
        "claim": claim,
        "order": case.order,
        "decision": decision,
        "playbook": playbook,
        "timeline": timeline_entries(case.events.all()),
        # What the reply form was written against: a newer reply or buyer e-mail holds the send back.
        "seen_news": latest_news_id(case),
        # The priority is a number; the page says what raised it (only while the case is open).
        "priority_reasons": priority_reasons(case) if case.is_open else [],
        **_needed_in(case),
        "tags": sorted(link.tag.name for link in case.case_tags.all()),
        "shop_tags": shop_tags([case.shop_id]),
        "presence_poll_ms": POLL_SECONDS * 1000,
        # Plain choice lists: the page writes its own small forms, Django's form rendering
        # (a template per widget and per option) cost more than the rest of the page.
        "action_choices": ACTION_CHOICES,
        "status_choices": CaseStatus.choices,
        "risk_choices": RiskFlag.choices,
        "carrier_claim_statuses": CarrierClaimStatus.choices,
        # The agent's limits and what the order (and the agent, today) gave back against them.
        "limits": limits,
        "evidence": (claim.evidence if claim else {}) or {},
        "dispute_evidence": evidence_panel(case),
        "return_request": return_request,
        # What the return's state machine allows next decides which form the page offers.
        "rr_can_receive": bool(return_request and return_request.can_move_to("received")),
        "rr_can_close": bool(return_request and return_request.can_move_to("closed")),
        # The refund and exchange buttons only for someone whose limit covers them (an owner, or a higher limit).
        "rr_can_approve_refund": bool(
            return_request
            and return_request.awaits_refund_approval
            and limits.allows(return_request.refund_due)
        ),
        "rr_can_approve_exchange": bool(
            return_request
            and return_request.awaits_exchange_approval
            and limits.allows(return_request.exchange_value)
        ),
        "conditions": Condition.choices,
        "conversation": case_conversation(case),
        "canned_replies": list(canned_replies_for(shop=case.shop, language=case.language or None)),
        **_act_panel(case, claim, decision),
        "merge_candidates": merge_candidates(case),
    }


def _act_panel(case: Case, claim, decision) -> dict:
    """What each action does and who is told; the action shown first, whose message to the buyer
    the page fetches after it loads (`act_message_view`), so the page's queries stay the same."""
    if claim is None or not case.is_open:
        return {}
    return {
        "action_hints": action_hints(case),
        "act_first": decision.action if decision is not None else ACTION_CHOICES[0][0],
    }


def _needed_in(case: Case) -> dict:
    """Days from today (in the shop's time zone) to the buyer's date: "in 3 days", "today", "2 days ago"."""
    if not case.needed_by:
        return {}
    days = (case.needed_by - timezone.localdate(timezone=zoneinfo.ZoneInfo(case.shop.time_zone))).days
    return {"needed_in_days": days, "needed_days_ago": -days}


def merge_candidates(case: Case) -> list[Case]:
    """The buyer's other open cases in the shop, which an enquiry may be merged into (one query, enquiries only)."""
    if case.kind != CaseKind.ENQUIRY or not case.is_open or case.buyer_id is None:
        return []
    return list(
        Case.objects.filter(shop_id=case.shop_id, status__in=OPEN_STATUSES, merged_into__isnull=True)
        .filter(Q(buyer_id=case.buyer_id) | Q(buyer__email__iexact=case.buyer.email))
        .exclude(pk=case.pk)
        .only("reference", "subject")
        .order_by("-opened_at")[:20]
    )
