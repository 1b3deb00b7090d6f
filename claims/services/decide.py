"""Deciding a claim: the shop's decision matrix asked about its evidence, the answer applied where allowed."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases.events import case_event
from cases.verbs import Reason, SystemReason, Verb, because
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
        prior_resolutions=int(evidence.get("prior_resolutions") or 0),
        claims_last_365_days=int(buyer.get("claims_last_365_days") or 0),
        photos_provided=bool(evidence.get("photos_provided")),
    )


# No savepoint inside claim_open's transaction: nobody carries on after a failed decision.
@transaction.atomic(savepoint=False)
def claim_decide(*, claim: Claim, actor=None, auto_apply: bool = False):
    """Ask the shop's matrix what to do, store the answer, and apply it if the rule allows.

    Auto-apply happens only under a rule marked auto_apply, when the money
    involved is within the matrix's auto-apply limit, and when the buyer is not
    asking again (`_withheld`); everything else waits for an agent.
    """
    case = claim.case
    inputs = decision_input(claim)
    decision = decisions.evaluate(shop=case.shop, inputs=inputs)
    applied = False
    withheld = None
    if auto_apply and decision.auto_apply:
        amount = amount_at_stake(case, claim, decision.action, decision.refund_percent)
        if amount is None or amount <= decisions.auto_apply_limit(case.shop):
            withheld = _withheld(claim, inputs)
            applied = withheld is None
    record = decisions.record_decision(case=case, decision=decision, inputs=inputs, auto_applied=applied)
    # The API answers with the decision just made, without reading it back.
    claim.decision_record = record
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
    if withheld is not None:
        case_event(case, Verb.AUTO_APPLY_WITHHELD, actor=actor, new=decision.action, reason=withheld)
    if applied:
        # No idempotency key: claim_resolve makes one of the case's own, which no client can send.
        claim_resolve(
            case=case,
            action=decision.action,
            actor=None,
            reason=decision.reason,
            percent=decision.refund_percent,
        )
    return record


def _withheld(claim: Claim, inputs: DecisionInput) -> SystemReason | None:
    """Why a rule that may apply itself must not this time, or None.

    A buyer who reports the same order again and again ("wrong item" three
    times, then "damaged") would get a replacement or a refund each time: one
    automatic decision per order and claim type, none once the order was
    resolved, and none for a buyer who claims more often than the shop settles
    automatically. claim_open holds the order's lock, so two claims at once are
    checked one after the other.
    """
    case = claim.case
    if case.order_id and decisions.auto_applied_on_order(order_id=case.order_id, claim_type=claim.type):
        return because(Reason.AUTO_ONCE_PER_ORDER)
    if inputs.prior_resolutions:
        return because(Reason.AUTO_ORDER_RESOLVED_BEFORE)
    allowed = decisions.auto_apply_max_claims(case.shop)
    if inputs.claims_last_365_days > allowed:
        return because(Reason.AUTO_MANY_CLAIMS, claims=inputs.claims_last_365_days, allowed=allowed)
    return None


@transaction.atomic
def claim_recheck(*, claim: Claim, actor=None):
    """Recompute the evidence and ask the matrix again; nothing is applied without an agent."""
    claim_refresh_evidence(claim)
    return claim_decide(claim=claim, actor=actor, auto_apply=False)
