"""The agent's click that sends a Stripe dispute's evidence; a worker uploads and submits it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import Conflict
from integrations.services.dispute_evidence import dispute_evidence_submit

from .. import selectors
from .common import after_action, case_or_404


@login_required
@permission_required("cases.change_outboundcall", raise_exception=True)
@require_POST
def dispute_evidence_view(request, reference):
    case = case_or_404(request, reference)
    try:
        dispute_evidence_submit(case=case, actor=request.user)
    except Conflict as exc:
        # The page again, with the reason and a 409: nothing was queued.
        messages.error(request, exc.message)
        case = case_or_404(request, reference, selectors.case_page())
        context = selectors.case_page_context(case, user=request.user)
        return render(request, "desk/case.html", context, status=409)
    messages.success(request, _("The evidence goes to Stripe in a moment; its answer appears here."))
    return after_action(request, case)
