"""The case page's heartbeat: this agent is here (and typing); who else is."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .. import presence
from .common import case_or_404, desk_access


@login_required
@desk_access
@require_POST
def presence_view(request, reference):
    case = case_or_404(request, reference)
    if request.POST.get("leave") == "1":
        presence.presence_leave(case=case, user=request.user)
        return render(request, "desk/_presence.html", {"others": []})
    presence.presence_touch(case=case, user=request.user, typing=request.POST.get("typing") == "1")
    return render(request, "desk/_presence.html", {"others": presence.others_on(case, user=request.user)})
