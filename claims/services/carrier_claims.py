"""Carrier claims: what the shop asks the carrier to pay back for a lost or damaged parcel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.models import CaseStatus
from cases.services import case_add_cost
from cases.transitions import lock, move
from cases.verbs import Verb
from messaging.public import BuyerEvent, OwnerEvent, notify_assignee_or_owners, notify_buyer

from .. import carrier_terms
from ..carrier_terms import DAMAGE_TYPES, DELIVERED, SHIPPED, Terms
from ..models import CarrierClaim, CarrierClaimStatus, CarrierContract, Claim

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ClaimFigures:
    """What the carrier's terms (or the shop's contract) make of one claim."""

    terms: Terms | None
    deadline: date | None
    counted_from: str  # SHIPPED or DELIVERED; "" without terms
    cap: Decimal | None  # None: no limit known in the order's currency
    suggested: Decimal  # the order's loss, capped


def _local_date(moment: datetime | None, time_zone: str) -> date | None:
    # A parcel handed over at 23:30 in Stockholm was handed over that day, not the next in UTC.
    return None if moment is None else moment.astimezone(ZoneInfo(time_zone)).date()


def _loss(claim: Claim, *, with_shipping: bool) -> Decimal:
    """The goods' value of the affected lines (every line when the claim names none), and shipping if paid."""
    order = claim.case.order
    affected = [(line.order_line, line.quantity) for line in claim.lines.select_related("order_line")]
    if not affected:
        affected = [(line, line.quantity) for line in order.lines.all()]
    goods = sum((line.unit_price * quantity for line, quantity in affected), start=Decimal("0"))
    return goods + (order.shipping_total if with_shipping else Decimal("0"))


def _weight_kg(claim: Claim) -> Decimal:
    shipment = claim.shipment
    grams = shipment.packed_weight_g
    if grams is None:
        order = claim.case.order
        grams = sum(line.weight_g for line in order.lines.all()) + order.shop.packaging_allowance_g
    return Decimal(grams) / 1000


def carrier_claim_figures(claim: Claim) -> ClaimFigures:
    """The deadline, the most the carrier pays and the amount to claim, for a claim's parcel."""
    shipment = claim.shipment
    order = claim.case.order
    shop = claim.case.shop
    international = bool(order.ship_country) and order.ship_country != shop.country
    terms = carrier_terms.terms_for(shipment.carrier.code, international=international)
    contract = CarrierContract.objects.filter(shop=shop, carrier=shipment.carrier).first()
    is_damage = claim.type in DAMAGE_TYPES

    window = None if terms is None else (terms.damage if is_damage else terms.loss)
    days = window.days if window else None
    counted_from = window.counted_from if window else (DELIVERED if is_damage else SHIPPED)
    if contract is not None:
        days = (contract.damage_window_days if is_damage else contract.loss_window_days) or days
    if counted_from == DELIVERED:
        start = shipment.delivered_at or shipment.last_event_at
    else:
        start = shipment.shipped_at
    start_day = _local_date(start, shop.time_zone)
    deadline = start_day + timedelta(days=days) if days and start_day else None

    limit = None
    if contract is not None and contract.liability_limit is not None:
        limit = contract.liability_limit
    elif terms is not None and terms.currency == order.currency:
        limit = terms.limit * _weight_kg(claim) if terms.per_kg else terms.limit
    insured = shipment.insured_value
    if insured is None and contract is not None:
        insured = contract.insured_amount
    cap = limit
    if insured is not None and (terms is None or terms.insurance_raises):
        # Insurance and a declared value replace the limit with the value insured, they do not add to it.
        cap = max(limit or Decimal("0"), insured)
    if cap is not None:
        cap = cap.quantize(CENT, rounding=ROUND_HALF_UP)

    loss = _loss(claim, with_shipping=bool(terms and terms.pays_shipping and not is_damage))
    suggested = min(loss, cap) if cap is not None else loss
    return ClaimFigures(
        terms=terms,
        deadline=deadline,
        counted_from=counted_from if days else "",
        cap=cap,
        suggested=suggested,
    )


def _check_claimed(amount: Decimal, *, cap: Decimal | None, currency: str) -> None:
    if amount < 0:
        raise ValidationError({"claimed_amount": [_("The amount cannot be negative.")]})
    if cap is not None and amount > cap:
        raise ValidationError(
            {
                "claimed_amount": [
                    _(
                        "The carrier pays at most %(cap)s %(currency)s for this parcel "
                        "(its liability limit, or the insured value): claim at most that."
                    )
                    % {"cap": cap, "currency": currency}
                ]
            }
        )


@transaction.atomic
def carrier_claim_open(
    *,
    claim: Claim,
    actor=None,
    amount: Decimal | None = None,
    reference: str = "",
) -> CarrierClaim:
    """Draft the shop's claim against the carrier, with the carrier's deadline and its liability cap."""
    shipment = claim.shipment
    if shipment is None:
        raise ValidationError({"shipment": [_("The claim has no shipment to claim for.")]})
    figures = carrier_claim_figures(claim)
    if amount is not None:
        _check_claimed(amount, cap=figures.cap, currency=claim.case.currency)
    claimed = amount if amount is not None else figures.suggested
    carrier_claim = CarrierClaim.objects.create(
        claim=claim,
        carrier=shipment.carrier,
        reference=reference,
        claimed_amount=claimed,
        deadline=figures.deadline,
        deadline_from=figures.counted_from,
        liability_cap=figures.cap,
    )
    case_event(
        claim.case,
        Verb.CARRIER_CLAIM_OPENED,
        actor=actor,
        new=CarrierClaimStatus.DRAFT,
        carrier=shipment.carrier.code,
        amount=str(claimed),
        cap=None if figures.cap is None else str(figures.cap),
        deadline=figures.deadline.isoformat() if figures.deadline else None,
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
    claimed_amount: Decimal | None = None,
) -> CarrierClaim:
    """Record what became of the claim with the carrier, and what it paid back.

    Filing after the deadline is allowed (a carrier may still accept it); the timeline
    and `filed_late` say it was late.
    """
    carrier_claim = lock(carrier_claim)
    if claimed_amount is not None and claimed_amount != carrier_claim.claimed_amount:
        if carrier_claim.status != CarrierClaimStatus.DRAFT:
            raise ValidationError(
                {"claimed_amount": [_("The amount claimed is fixed once the claim is filed.")]}
            )
        _check_claimed(
            claimed_amount, cap=carrier_claim.liability_cap, currency=carrier_claim.claim.case.currency
        )
        carrier_claim.claimed_amount = claimed_amount
    if recovered_amount is not None:
        _check_recovered(carrier_claim, status=status, recovered_amount=recovered_amount)
        recovered_delta = recovered_amount - carrier_claim.recovered_amount
        carrier_claim.recovered_amount = recovered_amount
    else:
        recovered_delta = Decimal("0")
    if reference:
        carrier_claim.reference = reference
    if status == CarrierClaimStatus.FILED and carrier_claim.filed_at is None:
        carrier_claim.filed_at = timezone.now()
    case = carrier_claim.claim.case
    fields = ["reference", "filed_at", "recovered_amount", "claimed_amount"]
    details = {
        "reference": carrier_claim.reference,
        "recovered": str(carrier_claim.recovered_amount),
        "claimed": str(carrier_claim.claimed_amount),
    }
    if status == CarrierClaimStatus.FILED and carrier_claim.filed_late:
        details["late"] = True
    old = carrier_claim.status
    if status == old:
        # A new reference or amount without a move: the timeline shows it all the same.
        carrier_claim.save(update_fields=fields)
        case_event(case, Verb.CARRIER_CLAIM_UPDATED, actor=actor, old=old, new=status, **details)
    else:
        move(
            carrier_claim,
            status,
            case=case,
            verb=Verb.CARRIER_CLAIM_UPDATED,
            actor=actor,
            fields=fields,
            **details,
        )
    if recovered_delta:
        case_add_cost(case, recovered=recovered_delta)
    if status == CarrierClaimStatus.FILED and old != status:
        notify_buyer(
            case=case,
            event=BuyerEvent.CARRIER_CLAIM_FILED,
            context={"carrier_reference": carrier_claim.reference},
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


# The first reminder leaves time to gather the evidence and send the letter.
REMIND_DAYS_BEFORE = 3


def carrier_claims_remind(*, now: datetime | None = None) -> int:
    """Remind whoever works the case of a draft carrier claim whose deadline is near or here.

    Twice at most per claim: REMIND_DAYS_BEFORE days before its deadline, and on the day
    (or at the first run after it, if the sweep did not run that day). Each reminder is
    claimed with a conditional update, so two sweeps running at once send it once.
    Filed, answered and paid claims, and those of closed cases, are not reminded of.
    Returns how many reminders went out.
    """
    now = now or timezone.now()
    horizon = timezone.localdate(now) + timedelta(days=REMIND_DAYS_BEFORE + 1)  # + a day: shops' time zones
    candidates = (
        CarrierClaim.objects.filter(status=CarrierClaimStatus.DRAFT, deadline__lte=horizon)
        .filter(models.Q(reminded_soon_at__isnull=True) | models.Q(reminded_due_at__isnull=True))
        # A resolved case still wants its money back from the carrier; a closed one is done with.
        .exclude(claim__case__status=CaseStatus.CLOSED)
        .select_related("claim__case__shop")
        .order_by("deadline", "pk")
    )
    sent = 0
    for carrier_claim in candidates:
        today = _local_date(now, carrier_claim.claim.case.shop.time_zone)
        days_left = carrier_claim.days_left(today)
        if days_left <= 0 and carrier_claim.reminded_due_at is None:
            sent += _remind(carrier_claim, field="reminded_due_at", days_left=days_left, now=now)
        elif 0 < days_left <= REMIND_DAYS_BEFORE and carrier_claim.reminded_soon_at is None:
            sent += _remind(carrier_claim, field="reminded_soon_at", days_left=days_left, now=now)
    return sent


@transaction.atomic
def _remind(carrier_claim: CarrierClaim, *, field: str, days_left: int, now: datetime) -> int:
    claimed = CarrierClaim.objects.filter(
        pk=carrier_claim.pk, status=CarrierClaimStatus.DRAFT, **{f"{field}__isnull": True}
    ).update(**{field: now})
    if not claimed:
        return 0  # another run sent it, or the claim was filed meanwhile
    case = carrier_claim.claim.case
    notify_assignee_or_owners(
        case=case,
        event=OwnerEvent.CARRIER_CLAIM_DEADLINE,
        context={
            "claim_deadline": carrier_claim.deadline.isoformat(),
            "days_left": days_left,
            "due_today": days_left == 0,
            "passed": days_left < 0,
            "amount": str(carrier_claim.claimed_amount),
        },
    )
    case_event(
        case,
        Verb.CARRIER_CLAIM_REMINDED,
        new=CarrierClaimStatus.DRAFT,
        deadline=carrier_claim.deadline.isoformat(),
        days_left=days_left,
        to=case.assignee.get_username() if case.assignee_id else "owners",
    )
    return 1
