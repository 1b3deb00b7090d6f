"""The owners' inbox: what agents asked to give back above their limits, decided in one click.

Approving makes what the agent asked for, as the owner: the claim's refund or store credit
through `claims.services.claim_resolve`, a return's refund or exchange through
`returns.services.return_refund_approve`; each marks the approval given in its own
transaction (`cases.approvals.approvals_settle`). Declining is the kernel's
(`cases.approvals.approval_decline`).
"""

from __future__ import annotations

from django.db import transaction

from cases.approvals import approval_decline, approval_for_decision
from cases.choices import RETURN_EXCHANGE, RETURN_REFUND
from cases.events import case_event
from cases.models import Approval, ApprovalStatus
from cases.verbs import Verb
from claims.services import claim_resolve
from orders import tenancy
from orders.models import Role
from returns import services as returns


def approvals_waiting(user):
    """What waits for this owner, oldest first, with what the page shows of each case."""
    return (
        tenancy.in_shops(Approval.objects.filter(status=ApprovalStatus.PENDING), user, roles=[Role.OWNER])
        .select_related("case__order", "case__buyer", "shop", "requested_by")
        .order_by("created_at", "id")
    )


def approvals_decided(user, *, limit: int = 20):
    return (
        tenancy.in_shops(Approval.objects.exclude(status=ApprovalStatus.PENDING), user, roles=[Role.OWNER])
        .select_related("case", "shop", "requested_by", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


@transaction.atomic
def approval_approve(*, pk: int, actor) -> Approval:
    """Yes: make what was asked for, with the amount that was asked, once (a second click is a conflict)."""
    approval = approval_for_decision(pk=pk, actor=actor)
    case = approval.case
    if approval.action in (RETURN_REFUND, RETURN_EXCHANGE):
        returns.return_refund_approve(rma=case.return_request.rma, actor=actor)
    else:
        claim_resolve(
            case=case,
            action=approval.action,
            amount=approval.amount,
            actor=actor,
            reason=str(approval.reason.get("reason") or ""),
        )
    case_event(case, Verb.APPROVAL_GRANTED, actor=actor, new=approval.action, amount=str(approval.amount))
    approval.refresh_from_db()
    return approval


__all__ = ["approval_approve", "approval_decline", "approvals_decided", "approvals_waiting"]
