"""Writing to the buyer from the case page: the reply, a canned reply filled in, the preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messaging.selectors import canned_replies_for
from messaging.services import canned_reply_fill

from .. import presence
from ..macros import macro_actions, macro_apply
from ..previews import reply_preview
from .common import after_action, case_or_404, desk_access, errors_text


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        # A form from before this check (or none): treat as current rather than refuse every send.
        return 2**62


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def reply_view(request, reference):
    case = case_or_404(request, reference)
    canned = canned_replies_for(shop=case.shop).filter(pk=request.POST.get("canned") or None).first()
    news = presence.news_since(case, seen=_int(request.POST.get("seen_news")), user=request.user)
    if news is not None:
        # Not sent: the agent reads what came in first. The page shows the new message and keeps the
        # draft; sending again (the form now knows the news) goes through.
        request.session[f"reply_draft:{case.reference}"] = request.POST.get("body", "")[:20000]
        who = news.actor.get_full_name() or news.actor.get_username() if news.actor else _("The buyer")
        return after_action(
            request,
            case,
            error=_("%(who)s wrote in this case while you were writing; read it, then send your reply again.")
            % {"who": who},
        )
    try:
        macro_apply(
            case=case,
            agent=request.user,
            body=request.POST.get("body", ""),
            canned=canned,
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
    return render(request, "desk/_reply_body.html", {"body": body, "actions": macro_actions(canned)})


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
