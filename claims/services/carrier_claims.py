"""Carrier claims: what the shop asks the carrier to pay back for a lost or damaged parcel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.services import case_add_cost
from cases.transitions import lock, move
from cases.verbs import Verb
from messaging.public import BuyerEvent, notify_buyer

from ..models import CarrierClaim, CarrierClaimStatus, Claim


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
    """Record what became of the claim with the carrier, and what it paid back."""
    carrier_claim = lock(carrier_claim)
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
    fields = ["reference", "filed_at", "recovered_amount"]
    details = {"reference": carrier_claim.reference, "recovered": str(carrier_claim.recovered_amount)}
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
