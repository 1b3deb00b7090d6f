"""Deciding a claim: the shop's decision matrix asked about its evidence, the answer applied where allowed."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases.events import case_event
from cases.verbs import Reason, Verb, because
from decisions import public as decisions
from decisions.public import DecisionInput

from ..evidence import compute_evidence
from ..models import Claim
from .resolve import claim_resolve
from .stake import amount_at_stake


def claim_refresh_evidence(claim: Claim) -> dict:
    claim.evidence = compute_evidence(claim)
    claim.evidence_computed_at = timezone.now()
    claim.save(update_fields=["evidence", "evidence_computed_at"])
    return claim.evidence


def decision_input(claim: Claim) -> DecisionInput:
    evidence = claim.evidence or {}
    buyer = evidence.get("buyer") or {}
    return DecisionInput(
        claim_type=claim.type,
        order_value=Decimal(evidence.get("order_value") or claim.case.order_value),
        buyer_risk="flagged" if buyer.get("risk_flag", "none") != "none" else "normal",
        delivery_confirmed=bool(evidence.get("delivery_confirmed")),
        signature=bool(evidence.get("signature")),
        weight_consistent=(evidence.get("weight") or {}).get("consistent"),
        days_until_needed=evidence.get("days_until_needed"),
    )


@transaction.atomic
def claim_decide(*, claim: Claim, actor=None, auto_apply: bool = False):
    """Ask the shop's matrix what to do, store the answer, and apply it if the rule allows.

    Auto-apply happens only under a rule marked auto_apply and when the money
    involved is within the matrix's auto-apply limit; everything else waits for
    an agent.
    """
    case = claim.case
    inputs = decision_input(claim)
    decision = decisions.evaluate(shop=case.shop, inputs=inputs)
    applied = False
    if auto_apply and decision.auto_apply:
        amount = amount_at_stake(case, claim, decision.action, decision.refund_percent)
        if amount is None or amount <= decisions.auto_apply_limit(case.shop):
            applied = True
    record = decisions.record_decision(case=case, decision=decision, inputs=inputs, auto_applied=applied)
    case_event(
        case,
        Verb.DECISION,
        actor=actor,
        new=decision.action,
        rule=decision.rule_position,
        reason=decision.reason if decision.rule_position is not None else because(Reason.NO_RULE_MATCHED),
        auto_applied=applied,
        matrix_version=decision.matrix_version,
    )
    if applied:
        claim_resolve(
            case=case,
            action=decision.action,
            actor=None,
            reason=decision.reason,
            percent=decision.refund_percent,
            idempotency_key=f"auto-{record.pk}",
        )
    return record


@transaction.atomic
def claim_recheck(*, claim: Claim, actor=None):
    """Recompute the evidence and ask the matrix again; nothing is applied without an agent."""
    claim_refresh_evidence(claim)
    return claim_decide(claim=claim, actor=actor, auto_apply=False)
