"""Reads of cases shared by the API and the desk pages, with fixed query counts."""

import zoneinfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from cases.approvals import standing
from cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseKind,
    CaseNote,
    CaseStatus,
    CaseTag,
    InvoiceReduction,
    OutboundCall,
    Refund,
    Tag,
)
from cases.priority import priority_reasons
from claims.models import CarrierClaim, CarrierClaimStatus, ClaimLine, ClaimPhoto, PlaybookStep, Resolution
from claims.playbooks import playbook_for
from config.queries import fetch_shaped, prefetched
from decisions.models import DecisionRecord
from decisions.selectors import latest_decision
from messaging.selectors import canned_replies_for, case_conversation, conversation_reads
from orders.models import OrderLine, OrderNote, Payment, RiskFlag, Shipment, TrackingEvent
from returns.models import Condition, ReturnLine, ReturnRequest

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
    """The case as the page opens it: with its shop, order, buyer, assignee and claim joined.

    What it holds besides is read by `load_case_page`, all of it in one round trip.
    """
    return cases_list()


def load_case_page(case: Case) -> dict[str, list]:
    """Everything the case page shows about the case, in one query whatever the case holds.

    Twenty-odd reads (events, notes, money, decisions, the claim's lines and steps, parcels and
    their scans, the return, e-mails, tags…) go to PostgreSQL together (`fetch_shaped`: one
    statement, compiled once per process) and are
    put where `case.events.all()` and the like find them, as prefetch_related would have.
    Returns the rows that belong to no relation of the case (the conversation, canned replies,
    the shop's tags).
    """
    order, claim = case.order, getattr(case, "claim", None)
    rows = fetch_shaped(
        "case_page",
        _case_page_reads,
        case=case.pk,
        shop=case.shop_id,
        order=case.order_id,
        claim=claim.pk if claim is not None else None,
        language=case.language or None,
    )
    for name in ("events", "notes", "refunds", "invoice_reductions", "resolutions", "decisions"):
        prefetched(case, name, rows[name])
    prefetched(case, "outbound_calls", rows["outbound_calls"])
    prefetched(case, "case_tags", rows["case_tags"])
    return_request = rows["return_request"][0] if rows["return_request"] else None
    Case.return_request.related.set_cached_value(case, return_request)
    if return_request is not None:
        return_request.case = case
        prefetched(return_request, "lines", rows["return_lines"])
    if order is not None:
        prefetched(order, "lines", rows["order_lines"])
        prefetched(order, "payments", rows["payments"])
        prefetched(order, "notes", rows["order_notes"])
        scans: dict[int, list] = {}
        for scan in rows["scans"]:
            scans.setdefault(scan.shipment_id, []).append(scan)
        for shipment in rows["shipments"]:
            prefetched(shipment, "events", scans.get(shipment.pk, []))
        prefetched(order, "shipments", rows["shipments"])
    if claim is not None:
        for name in ("carrier_claims", "steps_done", "photos"):
            prefetched(claim, name, rows[name])
        prefetched(claim, "lines", rows["claim_lines"])
    return rows


def _case_page_reads(*, case: int, shop: int, order: int | None, claim: int | None, language: str | None):
    """The case page's reads, from ids only: `fetch_shaped` compiles them once per process."""
    reads = {
        "events": CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"),
        # The author joined, not fetched by a query of its own.
        "notes": CaseNote.objects.filter(case=case).select_related("author"),
        "refunds": Refund.objects.filter(case=case),
        "invoice_reductions": InvoiceReduction.objects.filter(case=case),
        "resolutions": Resolution.objects.filter(case=case),
        "decisions": DecisionRecord.objects.filter(case=case),
        "outbound_calls": OutboundCall.objects.filter(case=case),
        "case_tags": CaseTag.objects.filter(case=case).select_related("tag"),
        "return_request": ReturnRequest.objects.filter(case=case).select_related("refund"),
        "return_lines": ReturnLine.objects.filter(request__case=case).select_related("order_line"),
        "canned_replies": canned_replies_for(shop=shop, language=language),
        "shop_tags": Tag.objects.filter(shop_id=shop),
        **conversation_reads(case),
    }
    if order is not None:
        reads |= {
            "order_lines": OrderLine.objects.filter(order=order),
            "payments": Payment.objects.filter(order=order),
            "shipments": Shipment.objects.filter(order=order).select_related("carrier"),
            "scans": TrackingEvent.objects.filter(shipment__order=order).order_by("-occurred_at", "-id"),
            "order_notes": OrderNote.objects.filter(order=order).select_related("author"),
        }
    if claim is not None:
        reads |= {
            "claim_lines": ClaimLine.objects.filter(claim=claim).select_related("order_line"),
            "carrier_claims": CarrierClaim.objects.filter(claim=claim).select_related("carrier"),
            "steps_done": PlaybookStep.objects.filter(claim=claim),
            "photos": ClaimPhoto.objects.filter(claim=claim),
        }
    return reads


def case_page_context(case: Case, *, user) -> dict:
    rows = load_case_page(case)
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
        "shop_tags": [tag.name for tag in rows["shop_tags"]],
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
        "conversation": case_conversation(case, rows),
        "canned_replies": rows["canned_replies"],
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
