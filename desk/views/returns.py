"""A return's steps on its case page: approve or reject, receive, inspect, refund, close."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Case
from config.errors import Conflict
from returns import services as returns

from .common import after_action, case_or_404, errors_text


def _return_of(case: Case):
    request = getattr(case, "return_request", None)
    if request is None:
        raise Http404
    return request


@login_required
@permission_required("returns.change_returnrequest", raise_exception=True)
@require_POST
def return_action_view(request, reference, step):
    """Approve, reject, receive, inspect or close the return of a case, through the returns services."""
    case = case_or_404(request, reference)
    return_request = _return_of(case)
    lines = list(return_request.lines.all())
    try:
        if step == "approve":
            returns.return_approve(rma=return_request.rma, actor=request.user)
        elif step == "reject":
            returns.return_reject(
                rma=return_request.rma, actor=request.user, reason=request.POST.get("reason", "")
            )
        elif step == "receive":
            received = {line.pk: _int(request.POST.get(f"received-{line.pk}")) for line in lines}
            returns.return_receive(rma=return_request.rma, lines=received, actor=request.user)
        elif step == "inspect":
            inspected = [
                returns.InspectLine(
                    key=line.pk,
                    accepted_quantity=_int(request.POST.get(f"accepted-{line.pk}")),
                    condition=request.POST.get(f"condition-{line.pk}", ""),
                    notes=request.POST.get(f"notes-{line.pk}", ""),
                )
                for line in lines
            ]
            returns.return_inspect(rma=return_request.rma, lines=inspected, actor=request.user)
        elif step == "approve_refund":
            returns.return_refund_approve(rma=return_request.rma, actor=request.user)
        elif step == "close":
            returns.return_close(rma=return_request.rma, actor=request.user)
        else:
            raise Http404
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    except Conflict as exc:
        return after_action(request, case, error=exc.message)
    messages.success(request, _("Done."))
    return after_action(request, case)


def _int(value) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0
