"""The owners' approvals inbox: one click to approve, a reason to decline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.choices import HELD_REFUND_LABELS, Action
from cases.models import Approval
from config.errors import Conflict
from orders import tenancy
from orders.models import Role

from .. import approvals
from ..timeline import reason_text
from .common import desk_access, errors_text

ACTION_LABELS = {**dict(Action.choices), **HELD_REFUND_LABELS}


def owner_only(request) -> None:
    if not tenancy.sees_every_shop(request.user) and not tenancy.shop_ids(request.user, roles=[Role.OWNER]):
        raise PermissionDenied(_("Only a shop's owners decide what agents may not."))


@login_required
@desk_access
def approvals_view(request):
    owner_only(request)
    waiting = list(approvals.approvals_waiting(request.user))
    decided = list(approvals.approvals_decided(request.user))
    for approval in (*waiting, *decided):
        # Worded for the reader, in the desk's language, as on the timeline.
        approval.action_label = ACTION_LABELS.get(approval.action, approval.action)
        approval.reason_text = reason_text(approval.reason)
    context = {"waiting": waiting, "decided": decided}
    return render(request, "desk/approvals.html", context)


@login_required
@desk_access
@require_POST
def approval_decide_view(request, pk, verdict):
    owner_only(request)
    if verdict not in ("approve", "decline"):
        raise Http404
    try:
        if verdict == "approve":
            approval = approvals.approval_approve(pk=pk, actor=request.user)
            messages.success(
                request,
                _("Approved: %(amount)s for %(reference)s is on its way.")
                % {"amount": approval.amount, "reference": approval.case.reference},
            )
        else:
            approval = approvals.approval_decline(pk=pk, actor=request.user, note=request.POST.get("note", ""))
            messages.success(
                request,
                _("Declined: %(reference)s is back with the agent who asked.") % {"reference": approval.case.reference},
            )
    except Approval.DoesNotExist as exc:
        raise Http404 from exc
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect("desk:approvals")
