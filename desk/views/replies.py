"""Writing to the buyer from the case page: the reply, a canned reply filled in, the preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messaging.selectors import canned_replies_for
from messaging.services import agent_reply, canned_reply_fill

from ..previews import reply_preview
from .common import after_action, case_or_404, desk_access, errors_text


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def reply_view(request, reference):
    case = case_or_404(request, reference)
    canned = canned_replies_for(shop=case.shop).filter(pk=request.POST.get("canned") or None).first()
    try:
        agent_reply(
            case=case,
            agent=request.user,
            body=request.POST.get("body", ""),
            canned_reply=canned,
            wait_for_buyer=request.POST.get("wait_for_buyer") == "on",
        )
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    messages.success(request, _("Reply queued; it goes out in a moment."))
    return after_action(request, case)


@login_required
@desk_access
def canned_fill_view(request, reference):
    """The chosen canned reply with the case's details filled in, for the composer to edit."""
    case = case_or_404(request, reference)
    # Only the case's own shop's texts and the shared ones: another shop's reply is none of this agent's.
    canned = get_object_or_404(canned_replies_for(shop=case.shop), pk=request.GET.get("canned"))
    body = canned_reply_fill(body=canned.body, case=case, agent=request.user)
    return render(request, "desk/_reply_body.html", {"body": body})


@login_required
@desk_access
@require_POST
def reply_preview_view(request, reference):
    """The reply as the buyer will read it: the real reply, rolled back, so greeting, signature and
    language are the sent mail's."""
    case = case_or_404(request, reference)
    canned = canned_replies_for(shop=case.shop).filter(pk=request.POST.get("canned") or None).first()
    try:
        preview = reply_preview(
            case=case, agent=request.user, body=request.POST.get("body", ""), canned_reply=canned
        )
    except ValidationError as exc:
        return render(request, "desk/_act_preview.html", {"error": errors_text(exc)}, status=400)
    rendered = preview.mails[0].rendered if preview.mails else None
    return render(request, "desk/_reply_preview.html", {"rendered": rendered})
