"""The owner's reports: buyer ratings (CSAT), what each agent handled and what became of tagged cases."""

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
    tags = reports.tag_report(request.user, since=since)
    context = {
        "days": days,
        "periods": reports.PERIODS,
        "csat": reports.csat_report(request.user, since=since),
        "agents": reports.agent_report(request.user, since=since),
        "tags": tags,
        # The shop column only for an owner of several shops whose tags are listed.
        "several_shops": len({row.shop for row in tags}) > 1,
    }
    return render(request, "desk/reports.html", context)
