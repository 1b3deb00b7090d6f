"""A return that a claim asks for: the wrong item goes back on the claim's own case, with its label.

The buyer did not choose to return it; the shop sent the wrong goods. So the
policy's window and its non-returnable goods do not apply, nobody approves it,
and the label (our own, or a carrier's through the worker) goes out at once.
The return sits on the claim's case: one case, one timeline, and the case
cannot be closed while the parcel is still on its way back.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.models import Case
from cases.services import case_add_search_terms
from cases.verbs import Verb
from orders.models import OrderLine

from ..models import Resolution, ReturnLine, ReturnMethod, ReturnReason, ReturnRequest, ReturnStatus
from .label import issue_label
from .machine import move_return
from .policy import label_expires_at, policy_for

R = ReturnStatus


@transaction.atomic
def return_for_claim(
    *, case: Case, lines: list[tuple[OrderLine, int]], reason: str = ReturnReason.WRONG_ITEM, actor=None
) -> ReturnRequest:
    """Open the claim's return and send the buyer its label; asked again, the label is sent again."""
    existing = ReturnRequest.objects.select_for_update().filter(case=case).first()
    if existing is not None:
        if existing.status in (R.APPROVED, R.LABEL_ISSUED):
            issue_label(existing, policy_for(existing.order.shop), actor=actor)
        return existing
    if case.order_id is None:
        raise ValidationError({"order": [_("The case has no order to send goods back for.")]})
    lines = [(line, quantity) for line, quantity in lines if quantity > 0]
    if not lines:
        raise ValidationError({"lines": [_("Say which items go back and how many.")]})
    order = case.order
    policy = policy_for(order.shop)
    request = ReturnRequest.objects.create(
        case=case,
        # A placeholder until the id is known, like the case reference.
        rma=f"tmp-{uuid.uuid4().hex[:16]}",
        order=order,
        method=ReturnMethod.DROP_OFF,
        # What the inspection pays when the buyer is to have their money back; a replacement the
        # claim sends instead is the agent's decision on the claim.
        resolution=Resolution.REFUND,
        terms=policy.terms(),
    )
    request.rma = f"R-{request.created_at:%Y}-{request.pk:06d}"
    ReturnRequest.objects.filter(pk=request.pk).update(rma=request.rma)
    case_add_search_terms(case, request.rma)
    ReturnLine.objects.bulk_create(
        [
            ReturnLine(request=request, order_line=line, quantity=quantity, reason=reason)
            for line, quantity in lines
        ]
    )
    units = sum(quantity for _line, quantity in lines)
    case_event(
        case,
        Verb.RETURN_REQUESTED,
        actor=actor,
        new=R.REQUESTED,
        rma=request.rma,
        method=request.method,
        resolution=request.resolution,
        units=units,
        reason=reason,
    )
    now = timezone.now()
    request.approved_at = now
    request.expires_at = label_expires_at(request, policy, start=now)
    move_return(request, R.APPROVED, actor=actor, fields=["approved_at", "expires_at"])
    issue_label(request, policy, actor=actor)
    return request
