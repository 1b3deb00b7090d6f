"""Claims: open one, compute its evidence, decide, resolve, and file with the carrier."""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import approvals
from cases.choices import Action, ClaimType
from cases.events import case_event, user_or_none
from cases.models import OPEN_STATUSES, Case, CaseKind, CaseStatus, OpenedVia, RefundMethod
from cases.refunds import refund_expected_arrival, refund_issue, refund_room_check
from cases.services import case_add_cost, case_add_search_terms, case_lock, case_open, move_locked
from cases.uploads import validate_photos
from cases.verbs import Reason, Verb, because
from config.errors import Conflict
from decisions import public as decisions
from decisions.public import DecisionInput, latest_decision
from messaging.public import notify_buyer, notify_owners
from orders.models import Order, OrderLine, Shipment, TrackingStatus
from orders.services import carrier_code, carriers_for_codes
from returns import public as returns

from .evidence import compute_evidence
from .models import (
    CARRIER_CLAIM_TRANSITIONS,
    CarrierClaim,
    CarrierClaimStatus,
    Claim,
    ClaimLine,
    ClaimPhoto,
    PlaybookStep,
    Resolution,
)
from .playbooks import playbook_for

CENT = Decimal("0.01")
# Claim types about particular goods: the buyer must say which lines.
NEEDS_LINES = {ClaimType.MISSING_ITEMS}


@dataclass(frozen=True)
class LineIn:
    order_line: OrderLine
    quantity: int


@dataclass(frozen=True)
class DisputeIn:
    provider: str
    reference: str = ""
    reason: str = ""
    amount: Decimal | None = None
    respond_by: datetime | None = None


def _latest_shipment(order: Order) -> Shipment | None:
    return order.shipments.select_related("carrier").order_by("-shipped_at", "-id").first()


@transaction.atomic
def claim_open(
    *,
    order: Order,
    type: str,
    opened_via: str,
    lines: list[LineIn] = (),
    statement: str = "",
    photos=(),
    actor=None,
    shipment: Shipment | None = None,
    dispute: DisputeIn | None = None,
    decide: bool = True,
) -> Claim:
    """Open a claim on an order: the case, its evidence and the recommended decision."""
    if type not in ClaimType.values:
        raise ValidationError({"type": [f"Unknown claim type {type!r}."]})
    errors = {}
    for index, line in enumerate(lines):
        if line.order_line.order_id != order.pk:
            errors[f"lines[{index}].position"] = [_("This line is not on the order.")]
        elif not 0 < line.quantity <= line.order_line.quantity:
            errors[f"lines[{index}].quantity"] = [
                _("Between 1 and %(max)s.") % {"max": line.order_line.quantity}
            ]
    if type in NEEDS_LINES and not lines:
        errors["lines"] = [_("Say which items are missing and how many.")]
    if type == ClaimType.CHARGEBACK and not dispute:
        errors["dispute"] = [_("A chargeback needs the provider and the respond-by date.")]
    checked_photos = []
    if photos:
        try:
            checked_photos = validate_photos(photos)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    first_response_hours = None
    if dispute and dispute.respond_by:
        # Disputes are answered by the provider's deadline; give agents a day's margin.
        hours = (dispute.respond_by - timezone.now()).total_seconds() / 3600 - 24
        first_response_hours = max(1, int(hours)) if hours < 24 else None
    case = case_open(
        kind=CaseKind.CLAIM,
        shop=order.shop,
        order=order,
        opened_via=opened_via,
        subject=ClaimType(type).label,
        actor=actor,
        first_response_hours=first_response_hours,
    )
    claim = Claim.objects.create(
        case=case,
        type=type,
        statement=statement.strip(),
        shipment=shipment or _latest_shipment(order),
        dispute_provider=dispute.provider if dispute else "",
        dispute_reference=dispute.reference if dispute else "",
        dispute_reason=dispute.reason if dispute else "",
        dispute_amount=dispute.amount if dispute else None,
        respond_by=dispute.respond_by if dispute else None,
    )
    ClaimLine.objects.bulk_create(
        [ClaimLine(claim=claim, order_line=line.order_line, quantity=line.quantity) for line in lines]
    )
    for upload, content_type in checked_photos:
        photo = ClaimPhoto(claim=claim, content_type=content_type, size=upload.size)
        photo.file.save(f"{uuid.uuid4().hex}{_extension(content_type)}", upload, save=False)
        photo.save()
    claim_refresh_evidence(claim)
    case_event(case, Verb.CLAIM_OPENED, actor=actor, new=type, lines=len(lines), photos=len(checked_photos))
    _tell_claim_opened(claim)
    if decide:
        claim_decide(claim=claim, actor=actor, auto_apply=True)
    return claim


# How owners know the payment providers (the stored value is our source code).
PROVIDER_NAMES = {"stripe": "Stripe", "paypal": "PayPal", "amazon": "Amazon", "klarna": "Klarna"}


def _tell_claim_opened(claim: Claim) -> None:
    """Who hears of a new claim: the buyer (acknowledged, or told of a delay we found), owners of disputes."""
    case = claim.case
    if claim.type == ClaimType.CHARGEBACK:
        notify_owners(
            case=case,
            event="owner_dispute",
            context={
                "provider": PROVIDER_NAMES.get(claim.dispute_provider, claim.dispute_provider),
                "reason": claim.dispute_reason,
                "amount": str(claim.dispute_amount or ""),
                "currency": case.order.currency if case.order_id else case.currency,
                "respond_by": claim.respond_by.isoformat() if claim.respond_by else "",
            },
        )
    elif claim.type == ClaimType.PAYMENT_REVIEW:
        return  # an internal check: the agent writes to the buyer if the order must change
    elif case.opened_via == OpenedVia.AUTOMATIC and claim.type == ClaimType.LOST_IN_TRANSIT:
        notify_buyer(case=case, event="shipment_delayed")
    else:
        notify_buyer(case=case, event="claim_received")
        _tick_steps_for(claim, "claim_received")


def _extension(content_type: str) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}[
        content_type
    ]


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
        amount = _amount_for(case, claim, decision.action, decision.refund_percent)
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


def _claimed_goods(claim: Claim | None) -> Decimal | None:
    if claim is None:
        return None
    lines = list(claim.lines.select_related("order_line"))
    if not lines:
        return None
    return sum((cl.order_line.unit_price * cl.quantity for cl in lines), start=Decimal("0"))


def _amount_for(case: Case, claim: Claim | None, action: str, percent: int | None) -> Decimal | None:
    """The money at stake: the affected lines if the buyer named them, else the whole order.

    A refund of the whole order includes what the buyer paid for shipping; a
    replacement costs the goods (its shipping is counted separately).
    """
    claimed = _claimed_goods(claim)
    order = case.order
    if action in (
        Action.RESHIP,
        Action.RESHIP_WITH_RETURN_LABEL,
        Action.REMAKE,
    ):
        if claimed is not None:
            return claimed.quantize(CENT)
        goods = (
            sum((line.line_total for line in order.lines.all()), start=Decimal("0"))
            if order
            else Decimal("0")
        )
        return goods.quantize(CENT)
    base = claimed if claimed is not None else (order.total if order else Decimal("0"))
    if action not in (
        Action.REFUND,
        Action.PARTIAL_REFUND,
        Action.STORE_CREDIT,
    ):
        return None
    if percent is None:
        # A partial refund nobody gave a share for is half; a refund or store credit is all of it.
        percent = 50 if action == Action.PARTIAL_REFUND else 100
    # A refund rule may name a percent too: it is paid at that percent, as simulate costs it.
    return (base * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


# Actions that do not end the case but move it on.
WAITING_ACTIONS = {"request_info", "carrier_claim", "hold_order"}
RESOLVE_ACTIONS = set(Action.values) | WAITING_ACTIONS


@dataclass(frozen=True)
class ResolveResult:
    case: Case
    resolution: Resolution | None
    escalated_for_limit: bool = False


@transaction.atomic
def claim_resolve(
    *,
    case: Case,
    action: str,
    actor=None,
    reason: str = "",
    amount: Decimal | None = None,
    percent: int | None = None,
    goods_cost: Decimal | None = None,
    shipping_cost: Decimal | None = None,
    idempotency_key: str | None = None,
    replacement: dict | None = None,
    goodwill: bool = True,
    expected_arrival: date | None = None,
) -> ResolveResult:
    """Do what was decided for the buyer, once.

    The case row is locked first: when two agents click at once the second
    waits, then finds the case resolved and gets a conflict instead of a
    second refund or parcel.
    """
    if action not in RESOLVE_ACTIONS:
        raise ValidationError({"action": [f"Unknown action {action!r}."]})
    case = case_lock(case)
    if idempotency_key:
        earlier = _resolution_for_key(case, action, idempotency_key)
        if earlier is not None:
            return ResolveResult(case=case, resolution=earlier)
    if case.status not in OPEN_STATUSES:
        raise Conflict(
            _("Case %(reference)s is already %(status)s; reopen it first.")
            % {"reference": case.reference, "status": case.get_status_display().lower()},
            code="case_not_open",
        )
    claim = Claim.objects.filter(case=case).first()
    reason = (reason or "").strip()
    if action in (Action.DENY, Action.ESCALATE) and not reason:
        raise ValidationError({"reason": [_("Say why: the buyer or the owner will read it.")]})
    if amount is None:
        amount = _amount_for(case, claim, action, percent)
    if amount is not None and amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})

    if action in (Action.REFUND, Action.PARTIAL_REFUND) and amount and case.order_id:
        # Before the limit: an impossible amount is the agent's mistake, not an owner's decision.
        refund_room_check(case.order, amount)
    if action in (Action.REFUND, Action.PARTIAL_REFUND, Action.STORE_CREDIT):
        limit = approvals.limit_below(actor=actor, shop=case.shop, amount=amount, case=case)
        if limit is not None:
            approvals.hold_for_approval(
                case, actor=actor, action=action, amount=amount, limit=limit, reason=reason
            )
            return ResolveResult(case=case, resolution=None, escalated_for_limit=True)

    if action in WAITING_ACTIONS:
        return _move_on(case, claim, action=action, actor=actor, reason=reason)
    if action == Action.ESCALATE:
        move_locked(case, CaseStatus.ESCALATED, actor=actor, reason=reason)
        case_event(case, Verb.ESCALATED, actor=actor, reason=reason)
        notify_owners(case=case, event="owner_escalation", context={"reason": reason})
        return ResolveResult(case=case, resolution=None)

    resolution = Resolution(case=case, action=action, reason=reason, created_by=user_or_none(actor))
    if action in (Action.REFUND, Action.PARTIAL_REFUND, Action.STORE_CREDIT):
        if amount is None or amount <= 0:
            raise ValidationError({"amount": [_("Give the amount to refund.")]})
        resolution.refund = refund_issue(
            case=case,
            amount=amount,
            idempotency_key=idempotency_key or _default_refund_key(case, action, amount),
            actor=actor,
            method=RefundMethod.STORE_CREDIT
            if action == Action.STORE_CREDIT
            else RefundMethod.ORIGINAL_PAYMENT,
            reason=reason,
            expected_arrival=expected_arrival
            or refund_expected_arrival(processing_days=returns.refund_processing_days(case.shop)),
        )
        resolution.amount = amount
    elif action in (
        Action.RESHIP,
        Action.RESHIP_WITH_RETURN_LABEL,
        Action.REMAKE,
    ):
        resolution.goods_cost = goods_cost if goods_cost is not None else (amount or Decimal("0"))
        resolution.with_return_label = action == Action.RESHIP_WITH_RETURN_LABEL
        resolution.goodwill = goodwill
        if action == Action.REMAKE and not goodwill:
            # Remade at cost: the buyer pays for the goods, the shop carries only the shipping.
            resolution.goods_cost = Decimal("0")
        resolution.shipping_cost = (
            shipping_cost
            if shipping_cost is not None
            else (case.order.shipping_total if case.order else Decimal("0"))
        )
        if replacement:
            resolution.replacement = _replacement_shipment(case, replacement)
    elif action == Action.CANCEL_ORDER:
        Order.objects.filter(pk=case.order_id, cancelled_at__isnull=True).update(cancelled_at=timezone.now())
    resolution.save()
    _tell_resolved(case, resolution)
    case_add_cost(case, cost=resolution.cost)
    case_event(
        case,
        Verb.RESOLVED,
        actor=actor,
        new=action,
        amount=str(resolution.amount),
        cost=str(resolution.cost),
        reason=reason,
    )
    move_locked(case, CaseStatus.RESOLVED, actor=actor, reason=reason)
    return ResolveResult(case=case, resolution=resolution)


def _resolution_for_key(case: Case, action: str, idempotency_key: str) -> Resolution | None:
    """The resolution an earlier call with this idempotency key made, for a client that retries.

    The retry gets the first answer back instead of "case not open"; the same
    key for something else is the client's mistake and a conflict.
    """
    earlier = (
        Resolution.objects.filter(case=case, refund__idempotency_key=idempotency_key)
        .select_related("refund")
        .first()
    )
    if earlier is not None and earlier.action != action:
        raise Conflict(_("This idempotency key was already used for a different refund."), code="idempotency")
    return earlier


def _default_refund_key(case: Case, action: str, amount: Decimal) -> str:
    """One key per resolution attempt: the case's earlier resolutions are counted in.

    Without the count a second refund of the same amount after a reopen would
    find the first refund by its key and fail on linking it to a second resolution.
    """
    attempt = case.resolutions.count()
    return f"case-{case.pk}-{attempt}-{action}-{amount}"


def _tell_resolved(case: Case, resolution: Resolution) -> None:
    action = resolution.action
    if resolution.refund is not None:
        refund = resolution.refund
        notify_buyer(
            case=case,
            event="refund_issued",
            context={
                "amount": str(refund.amount),
                "currency": refund.currency,
                "method": refund.method,
                "expected_date": refund.expected_arrival.isoformat() if refund.expected_arrival else "",
            },
        )
    elif action in (
        Action.RESHIP,
        Action.RESHIP_WITH_RETURN_LABEL,
        Action.REMAKE,
    ):
        replacement = resolution.replacement
        notify_buyer(
            case=case,
            event="replacement_shipped",
            context={
                "with_return_label": resolution.with_return_label,
                "remake": action == Action.REMAKE,
                "replacement_tracking_number": replacement.tracking_number if replacement else "",
                "replacement_tracking_url": replacement.tracking_link if replacement else "",
                # Without a replacement parcel yet, the e-mail must not show the lost parcel's
                # tracking (the case's context would): it says the replacement is being sent.
                **(
                    {}
                    if replacement
                    else {
                        "tracking_number": "",
                        "tracking_link": "",
                        "carrier_name": "",
                        "not_yet_shipped": True,
                    }
                ),
            },
        )
    elif action == Action.DENY:
        notify_buyer(case=case, event="claim_declined", context={"reason": resolution.reason})


def _move_on(case, claim, *, action, actor, reason) -> ResolveResult:
    if action == "request_info":
        move_locked(case, CaseStatus.WAITING_ON_BUYER, actor=actor, reason=reason)
        if claim is not None and claim.type == ClaimType.DELIVERED_NOT_RECEIVED:
            # Seed 000: ask around first: household, neighbours, office, post office.
            _ask_to_check(claim)
    elif action == "carrier_claim":
        if claim is not None and claim.shipment_id and not claim.carrier_claims.exists():
            carrier_claim_open(claim=claim, actor=actor)
        move_locked(case, CaseStatus.WAITING_ON_CARRIER, actor=actor, reason=reason)
        notify_buyer(case=case, event="carrier_investigation_started")
        if claim is not None:
            _tick_steps_for(claim, "carrier_investigation_started")
    elif action == "hold_order":
        Order.objects.filter(pk=case.order_id, held_at__isnull=True).update(held_at=timezone.now())
        case_event(case, Verb.ORDER_HELD, actor=actor, reason=reason)
        move_locked(case, CaseStatus.IN_PROGRESS, actor=actor, reason=reason)
    return ResolveResult(case=case, resolution=None)


def _replacement_shipment(case: Case, data: dict) -> Shipment:
    code = carrier_code(data["carrier"])
    carrier = carriers_for_codes({code})[code]
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                order=case.order,
                carrier=carrier,
                tracking_number=data["tracking_number"],
                service=data.get("service") or "replacement",
                shipped_at=timezone.now(),
                status=TrackingStatus.PRE_TRANSIT,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"replacement.tracking_number": [_("This tracking number is already in use.")]}
        ) from exc
    case_add_search_terms(case, shipment.tracking_number)
    return shipment


@transaction.atomic
def claim_act(*, case: Case, actor, action: str, reason: str = "", **resolve_kwargs) -> ResolveResult:
    """An agent acts on a case: follows the recommendation, or overrides it with a reason."""
    record = latest_decision(case)
    if (
        record is not None
        and record.action == action
        and resolve_kwargs.get("amount") is None
        and resolve_kwargs.get("percent") is None
    ):
        # Following the recommendation: the rule's percent, not the service's default share.
        resolve_kwargs["percent"] = record.refund_percent
    if record is not None and record.action != action and action != Action.ESCALATE:
        if not (reason or "").strip():
            raise ValidationError(
                {
                    "reason": [
                        _("The recommendation was %(recommended)s; say why you choose %(chosen)s instead.")
                        % {"recommended": Action(record.action).label, "chosen": Action(action).label}
                    ]
                }
            )
        result = claim_resolve(case=case, action=action, actor=actor, reason=reason, **resolve_kwargs)
        if not result.escalated_for_limit:
            decisions.override_decision(record=record, by=actor, action=action, reason=reason)
        return result
    return claim_resolve(case=case, action=action, actor=actor, reason=reason, **resolve_kwargs)


# --- playbook and carrier claims -------------------------------------------------


@transaction.atomic
def playbook_step_done(*, claim: Claim, key: str, actor) -> PlaybookStep:
    keys = [step.key for step in playbook_for(claim.type)]
    if key not in keys:
        raise ValidationError({"key": [f"{key!r} is not a step of this playbook."]})
    step, created = PlaybookStep.objects.get_or_create(claim=claim, key=key, defaults={"done_by": actor})
    if created:
        case_event(claim.case, Verb.PLAYBOOK_STEP, actor=actor, new=key)
        _send_step_email(claim, key)
    return step


def _send_step_email(claim: Claim, key: str) -> None:
    """The e-mail a step names goes out when the agent ticks it, unless the buyer already had it.

    "Ask the buyer to check with the neighbours" is done by sending that e-mail; the
    acknowledgement usually went out when the claim was opened, and is not sent twice.
    """
    event = next(step.email_event for step in playbook_for(claim.type) if step.key == key)
    if not event or claim.case.outbound_messages.filter(event=event).exists():
        return
    if event == "check_household_neighbours":
        _ask_to_check(claim)
    else:
        notify_buyer(case=claim.case, event=event)


def _ask_to_check(claim: Claim) -> None:
    notify_buyer(case=claim.case, event="check_household_neighbours", attachments=_shipping_documents(claim))
    _tick_steps_for(claim, "check_household_neighbours")


def _tick_steps_for(claim: Claim, event: str) -> None:
    """The playbook step that consists of sending this e-mail is done once it is sent, whoever sent it.

    Only the first such step: a later one naming the same e-mail (photos asked for in the
    acknowledgement) still waits for the agent to see the answer.
    """
    step = next((step for step in playbook_for(claim.type) if step.email_event == event), None)
    if step is not None:
        _, created = PlaybookStep.objects.get_or_create(claim=claim, key=step.key)
        if created:
            case_event(claim.case, Verb.PLAYBOOK_STEP, new=step.key)


def _shipping_documents(claim: Claim) -> list[tuple[str, bytes, str]]:
    """The parcel's label copy, so the buyer can show the neighbours and the post office (seed 000)."""
    shipment = claim.shipment if claim.shipment_id else None
    if shipment is None or not shipment.label_document:
        return []
    try:
        with shipment.label_document.open("rb") as document:
            content = document.read()
    except OSError:
        return []  # a label copy gone from storage must not stop the e-mail
    name = Path(shipment.label_document.name).name
    return [(name, content, mimetypes.guess_type(name)[0] or "application/octet-stream")]


@transaction.atomic
def carrier_claim_open(
    *,
    claim: Claim,
    actor=None,
    amount: Decimal | None = None,
    reference: str = "",
    deadline: date | None = None,
) -> CarrierClaim:
    shipment = claim.shipment
    if shipment is None:
        raise ValidationError({"shipment": [_("The claim has no shipment to claim for.")]})
    claimed = amount if amount is not None else (shipment.insured_value or claim.case.order_value)
    carrier_claim = CarrierClaim.objects.create(
        claim=claim, carrier=shipment.carrier, reference=reference, claimed_amount=claimed, deadline=deadline
    )
    case_event(
        claim.case,
        Verb.CARRIER_CLAIM_OPENED,
        actor=actor,
        new=CarrierClaimStatus.DRAFT,
        carrier=shipment.carrier.code,
        amount=str(claimed),
    )
    return carrier_claim


@transaction.atomic
def carrier_claim_update(
    *,
    carrier_claim: CarrierClaim,
    actor,
    status: str,
    reference: str = "",
    recovered_amount: Decimal | None = None,
) -> CarrierClaim:
    carrier_claim = CarrierClaim.objects.select_for_update().get(pk=carrier_claim.pk)
    old = carrier_claim.status
    if status != old and status not in CARRIER_CLAIM_TRANSITIONS[old]:
        raise Conflict(
            _("A carrier claim that is %(old)s cannot become %(new)s.") % {"old": old, "new": status},
            code="invalid_transition",
        )
    carrier_claim.status = status
    if reference:
        carrier_claim.reference = reference
    if status == CarrierClaimStatus.FILED and carrier_claim.filed_at is None:
        carrier_claim.filed_at = timezone.now()
    recovered_delta = Decimal("0")
    if recovered_amount is not None:
        _check_recovered(carrier_claim, status=status, recovered_amount=recovered_amount)
        recovered_delta = recovered_amount - carrier_claim.recovered_amount
        carrier_claim.recovered_amount = recovered_amount
    carrier_claim.save()
    case = carrier_claim.claim.case
    if recovered_delta:
        case_add_cost(case, recovered=recovered_delta)
    if status == CarrierClaimStatus.FILED and old != status:
        notify_buyer(
            case=case, event="carrier_claim_filed", context={"carrier_reference": carrier_claim.reference}
        )
    case_event(
        case,
        Verb.CARRIER_CLAIM_UPDATED,
        actor=actor,
        old=old,
        new=status,
        reference=carrier_claim.reference,
        recovered=str(carrier_claim.recovered_amount),
    )
    return carrier_claim


def _check_recovered(carrier_claim: CarrierClaim, *, status: str, recovered_amount: Decimal) -> None:
    """What the carrier paid back: never more than was claimed, and only once it has paid.

    Anything else makes the case's net loss wrong (negative, or money counted
    from a claim the carrier rejected).
    """
    if recovered_amount < 0:
        raise ValidationError({"recovered_amount": [_("The amount cannot be negative.")]})
    if recovered_amount > carrier_claim.claimed_amount:
        raise ValidationError(
            {
                "recovered_amount": [
                    _("The carrier cannot pay back more than the %(claimed)s claimed.")
                    % {"claimed": carrier_claim.claimed_amount}
                ]
            }
        )
    if recovered_amount > 0 and status != CarrierClaimStatus.PAID:
        raise ValidationError(
            {
                "recovered_amount": [
                    _("Money is recovered only when the carrier has paid; set the status to paid.")
                ]
            }
        )
