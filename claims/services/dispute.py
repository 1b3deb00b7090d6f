"""A dispute the payment provider decided: won, the case is resolved; lost, resolved with its cost."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.models import OPEN_STATUSES, CaseStatus
from cases.services import case_add_cost, case_lock, move_locked
from cases.verbs import Reason, Verb, because

from ..models import Claim, DisputeOutcome


@transaction.atomic
def claim_dispute_settle(
    *,
    claim: Claim,
    outcome: str,
    amount: Decimal | None = None,
    fee: Decimal | None = None,
    provider_status: str = "",
) -> bool:
    """Record the provider's decision once; False when it was already recorded (a repeated webhook).

    A lost dispute costs the shop what the provider took back (`amount`, else the disputed
    amount) and its dispute fee where the provider names one. A decision that changes later
    (an appeal) replaces the earlier cost instead of adding to it.
    """
    if outcome not in DisputeOutcome.values:
        raise ValidationError({"outcome": [_("Unknown outcome %(value)s.") % {"value": repr(outcome)}]})
    case = case_lock(claim.case)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.dispute_outcome == outcome:
        return False
    cost = Decimal("0")
    if outcome == DisputeOutcome.LOST:
        cost = (amount if amount is not None else claim.dispute_amount or Decimal("0")) + (
            fee or Decimal("0")
        )
    delta = cost - claim.dispute_cost
    old = claim.dispute_outcome
    claim.dispute_outcome = outcome
    claim.dispute_fee = fee if fee is not None else claim.dispute_fee
    claim.dispute_cost = cost
    claim.dispute_settled_at = timezone.now()
    claim.save(update_fields=["dispute_outcome", "dispute_fee", "dispute_cost", "dispute_settled_at"])
    if delta:
        case_add_cost(case, cost=delta)
    reason = (
        because(Reason.DISPUTE_LOST, cost=cost, currency=case.currency)
        if outcome == DisputeOutcome.LOST
        else because(Reason.DISPUTE_WON)
    )
    case_event(
        case,
        Verb.DISPUTE_DECIDED,
        old=old,
        new=outcome,
        provider=claim.dispute_provider,
        status=provider_status,
        amount=str(amount) if amount is not None else "",
        fee=str(fee) if fee is not None else "",
        cost=str(cost),
        reason=reason,
    )
    if case.status in OPEN_STATUSES:
        move_locked(case, CaseStatus.RESOLVED, reason=reason)
    return True
