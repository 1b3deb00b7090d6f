"""One story of the demo's history, played through the real services as the agent would."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from cases.choices import REPLACEMENTS, Action
from cases.models import Case, CaseStatus, OpenedVia, RefundStatus
from cases.refunds import refund_confirm
from cases.services import case_assign, case_mark_responded, case_move
from claims import services as claims
from claims.models import CarrierClaimStatus
from decisions.defaults import shipping_estimate
from returns import services as returns
from returns.eligibility import LineIn
from returns.models import ReturnStatus

from .clock import Clock
from .history import ABOUT_A_LINE, ASK_FIRST, STATEMENTS, TRACE, Settled


def returnable(line) -> bool:
    """A line a demo buyer may send back: not made to order, and not free."""
    return (
        not line.personalisation and (line.product is None or line.product.returnable) and line.unit_price > 0
    )


def settle_claim(story: Settled, parcel, *, opened, clock: Clock, agent, owner, key: str) -> Case | None:
    order = parcel.order
    resolved = opened + timedelta(hours=story.hours)
    if not clock.allows(resolved):
        return None
    clock.at(opened)
    line = order.lines.order_by("position").first()
    claim = claims.claim_open(
        order=order,
        type=story.kind,
        lines=[claims.LineIn(order_line=line, quantity=1)] if story.kind in ABOUT_A_LINE else [],
        statement=STATEMENTS[story.kind].get(order.buyer.language, STATEMENTS[story.kind]["en"]),
        opened_via=OpenedVia.PORTAL,
        shipment=parcel,
    )
    case = claim.case
    # The matrix may have settled a small case on its own already; the agent takes what is left.
    clock.at(opened + timedelta(hours=1))
    case_assign(case=case, assignee=agent, actor=agent)
    case_mark_responded(case)
    if story.ask_first and _still_open(case):
        clock.at(opened + timedelta(hours=2))
        claims.claim_act(
            case=case, actor=agent, action=Action.REQUEST_INFO, reason=ASK_FIRST[order.shop.slug]
        )
    if story.trace and _still_open(case):
        clock.at(opened + timedelta(hours=20))
        claims.claim_act(case=case, actor=agent, action=Action.CARRIER_CLAIM, reason=TRACE[order.shop.slug])
        _file(claim.carrier_claims.first(), parcel, agent=agent)
    if _still_open(case):
        clock.at(resolved)
        _outcome(story, case, agent=agent, owner=owner, key=key, clock=clock)
    case.refresh_from_db()
    if story.carrier_pays is not None and not claim.carrier_claims.exists() and case.cost_total > 0:
        # Damage: the claim with the carrier follows the refund or the replacement, for what it cost.
        clock.at(resolved + timedelta(hours=2))
        # What it cost, but no more than the carrier's liability: PostNord pays by the kilo.
        cap = claims.carrier_claim_figures(claim).cap
        amount = case.cost_total if cap is None else min(case.cost_total, cap)
        _file(claims.carrier_claim_open(claim=claim, actor=agent, amount=amount), parcel, agent=agent)
    for refund in case.refunds.filter(status=RefundStatus.PENDING):
        if clock.allows(resolved + timedelta(days=1)):
            clock.at(resolved + timedelta(days=1))
            _confirm(refund, agent=agent, owner=owner)
    carrier_claim = claim.carrier_claims.first()
    answered = resolved + timedelta(days=12)
    if carrier_claim is not None and story.carrier_pays is not None and clock.allows(answered):
        clock.at(answered)
        _carrier_answers(carrier_claim, paid_percent=story.carrier_pays, agent=agent)
    closed = clock.last + timedelta(days=3)
    if clock.allows(closed) and Case.objects.filter(pk=case.pk, status=CaseStatus.RESOLVED).exists():
        clock.at(closed)
        case_move(case=case, to=CaseStatus.CLOSED, actor=agent)
    return case


def _confirm(refund, *, agent, owner) -> None:
    """The money left the shop's payment system: confirmed by whoever did not make the refund (four eyes)."""
    confirmer = owner if refund.created_by_id == agent.pk else agent
    refund_confirm(refund=refund, actor=confirmer, gateway_reference=f"RF-{refund.pk:06d}")


def _file(carrier_claim, parcel, *, agent) -> None:
    if carrier_claim is not None:
        claims.carrier_claim_update(
            carrier_claim=carrier_claim,
            actor=agent,
            status=CarrierClaimStatus.FILED,
            reference=f"{parcel.carrier.code.upper()}-{parcel.order.number}",
        )


def _carrier_answers(carrier_claim, *, paid_percent: int, agent) -> None:
    if not paid_percent:
        claims.carrier_claim_update(
            carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.REJECTED
        )
        return
    claims.carrier_claim_update(carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.ACCEPTED)
    carrier_claim.refresh_from_db()
    recovered = (carrier_claim.claimed_amount * paid_percent / 100).quantize(Decimal("0.01"))
    claims.carrier_claim_update(
        carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.PAID, recovered_amount=recovered
    )


def _still_open(case: Case) -> bool:
    case.refresh_from_db(fields=["status"])
    return case.is_open


def _outcome(story: Settled, case: Case, *, agent, owner, key: str, clock: Clock) -> None:
    if story.outcome == "found":
        case_move(case=case, to=CaseStatus.RESOLVED, actor=agent, reason=story.reason)
        return
    if story.outcome in REPLACEMENTS:
        # The order's own shipping may have been free; the second parcel's postage is not.
        options = {"shipping_cost": shipping_estimate(case.currency)}
    else:
        options = {"idempotency_key": key, "percent": story.percent}
    result = claims.claim_act(case=case, actor=agent, action=story.outcome, reason=story.reason, **options)
    if result.escalated_for_limit:
        # Above the agent's refund limit: the owner makes it a few hours later.
        clock.at(clock.last + timedelta(hours=3))
        claims.claim_act(case=case, actor=owner, action=story.outcome, reason=story.reason, **options)


def settle_return(story: Settled, order, *, opened, clock: Clock, agent, owner) -> Case | None:
    done = opened + timedelta(hours=story.hours)
    if not clock.allows(done):
        return None
    line = next(line for line in order.lines.order_by("position") if returnable(line))
    clock.at(opened)
    request = returns.return_request(
        order=order,
        lines=[LineIn(order_line=line, quantity=line.quantity, reason=story.return_reason)],
        method="drop_off",
        resolution="refund",
        opened_via=OpenedVia.PORTAL,
    )
    clock.at(opened + timedelta(hours=20))
    returns.return_mark_in_transit(rma=request.rma)
    clock.at(done - timedelta(hours=3))
    [return_line] = request.lines.all()
    returns.return_receive(rma=request.rma, lines={return_line.pk: line.quantity}, actor=agent)
    clock.at(done)
    returns.return_inspect(
        rma=request.rma,
        lines=[
            returns.InspectLine(key=return_line.pk, accepted_quantity=line.quantity, condition=story.outcome)
        ],
        actor=agent,
    )
    request.refresh_from_db()
    if request.status == ReturnStatus.INSPECTED:
        # Above the agent's refund limit: the owner pays it out the same day.
        clock.at(done + timedelta(hours=4))
        returns.return_refund_approve(rma=request.rma, actor=owner)
        request.refresh_from_db()
    confirmed = done + timedelta(days=1)
    if request.refund_id and clock.allows(confirmed):
        clock.at(confirmed)
        _confirm(request.refund, agent=agent, owner=owner)
    closed = clock.last + timedelta(days=1)
    if clock.allows(closed):
        clock.at(closed)
        returns.return_close(rma=request.rma, actor=agent)
    return request.case
