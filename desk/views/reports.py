"""The owner's reports: buyer ratings (CSAT) and what each agent handled."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import reports
from .approvals import owner_only
from .common import desk_access


@login_required
@desk_access
def reports_view(request):
    owner_only(request)
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in reports.PERIODS else 30
    since = reports.period_start(days)
    context = {
        "days": days,
        "periods": reports.PERIODS,
        "csat": reports.csat_report(request.user, since=since),
        "agents": reports.agent_report(request.user, since=since),
    }
    return render(request, "desk/reports.html", context)
