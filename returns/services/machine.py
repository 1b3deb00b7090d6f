"""A return's status machine as every step uses it: lock the return, move it, keep its case in step, tell the buyer.

Each step locks the return row before it looks at the status, so two agents
clicking at once queue up and the second finds the move already made. The move
itself is the kernel's (`cases.transitions.move`): the same check, the same
translated refusal with code "invalid_transition", the same timeline entry as
cases and carrier claims.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases import transitions
from cases.models import OPEN_STATUSES, CaseStatus
from cases.services import case_lock, move_locked
from cases.verbs import Reason, SystemReason, Verb, because
from config.errors import Conflict
from messaging.public import BuyerEvent, notify_buyer

from ..models import ReturnRequest, ReturnStatus

R = ReturnStatus

# Where the case stands while the return is in each status.
CASE_STATUS = {
    R.REQUESTED: CaseStatus.NEW,
    R.APPROVED: CaseStatus.WAITING_ON_BUYER,
    R.LABEL_ISSUED: CaseStatus.WAITING_ON_BUYER,
    R.IN_TRANSIT: CaseStatus.WAITING_ON_CARRIER,
    R.RECEIVED: CaseStatus.IN_PROGRESS,
    R.INSPECTED: CaseStatus.IN_PROGRESS,
    R.REFUNDED: CaseStatus.RESOLVED,
    R.PARTLY_REFUNDED: CaseStatus.RESOLVED,
    R.EXCHANGED: CaseStatus.RESOLVED,
    R.REJECTED: CaseStatus.RESOLVED,
    R.EXPIRED: CaseStatus.RESOLVED,
    R.CLOSED: CaseStatus.CLOSED,
}


def lock_return(rma: str) -> ReturnRequest:
    """The return, locked until the transaction ends, with the case and shop every step reads."""
    try:
        return (
            ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("case", "order__shop")
            .get(rma=rma)
        )
    except ReturnRequest.DoesNotExist as exc:
        raise ValidationError(
            {"rma": ValidationError(_("No return %(rma)s."), code="unknown_return", params={"rma": rma})}
        ) from exc


def refused_step(request: ReturnRequest, sentence: str) -> Conflict:
    """A step the return's status does not allow, in `sentence`'s words (with %(rma)s and %(status)s)."""
    return Conflict(
        sentence % {"rma": request.rma, "status": request.get_status_display().lower()},
        code="invalid_transition",
    )


def move_return(
    request: ReturnRequest,
    to: str,
    *,
    actor=None,
    reason: str | SystemReason = "",
    fields: Iterable[str] = (),
    **data,
) -> None:
    """Move a locked return to `to`, write it on the case's timeline, and move the case with it."""
    fields = ["updated_at", *fields]
    if request.status == R.EXPIRED and to != R.CLOSED and request.can_move_to(to):
        # Revived by a late parcel: it counts as returned again (see eligibility.VOID).
        request.expired_at = None
        fields.append("expired_at")
    transitions.move(
        request,
        to,
        case=request.case,
        verb=Verb.RETURN_STATUS_CHANGED,
        actor=actor,
        reason=reason,
        fields=fields,
        rma=request.rma,
        **data,
    )
    _sync_case(request, actor=actor)


def _sync_case(request: ReturnRequest, *, actor=None) -> None:
    """Keep the case in step, without fighting an agent who moved the case on their own."""
    case = case_lock(request.case)
    request.case = case
    target = CASE_STATUS[request.status]
    if case.status == target:
        return
    reason = because(Reason.RETURN_MOVED, status=request.status)
    if not case.can_move_to(target) and case.status == CaseStatus.RESOLVED and target in OPEN_STATUSES:
        # A late parcel after expiry: the resolved case opens again.
        move_locked(case, CaseStatus.IN_PROGRESS, actor=actor, reason=reason)
    if case.can_move_to(target):
        move_locked(case, target, actor=actor, reason=reason)


def notify(request: ReturnRequest, event: BuyerEvent, *, attachments=None, author=None, **context) -> None:
    """Queue the buyer's e-mail about this return, sent when the step's transaction commits."""
    notify_buyer(
        case=request.case,
        event=event,
        context={"rma": request.rma, "status": request.status, **context},
        attachments=attachments,
        author=author,
    )
