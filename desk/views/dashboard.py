"""The owner's dashboard, and each of its charts as CSV: over the user's own shops, or one of them, for a range of days."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from config.db_router import reporting
from config.spreadsheets import csv_writer
from orders import tenancy

from .. import dashboard
from ..rollups.models import RollupState
from .common import desk_access


def _shops(request) -> tuple[list, object]:
    """The user's shops for the menu, and the one chosen (None: all of them).

    A shop that is not the user's answers 404 like one that does not exist.
    """
    shops = list(tenancy.shops_of(request.user).order_by("name"))
    slug = request.GET.get("shop")
    if not slug:
        return shops, None
    chosen = next((shop for shop in shops if shop.slug == slug), None)
    if chosen is None:
        raise Http404
    return shops, chosen


def _report(request, shops, shop) -> dashboard.Report:
    return dashboard.report_for(
        [shop] if shop else shops,
        days=request.GET.get("days"),
        date_from=request.GET.get("from"),
        date_to=request.GET.get("to"),
    )


@login_required
@desk_access
def dashboard_view(request):
    with reporting():
        shops, shop = _shops(request)
        context = {"shops": shops, "shop": shop, "ranges": dashboard.RANGES, "query": request.GET.urlencode()}
        try:
            report = _report(request, shops, shop)
        except dashboard.RangeError as error:
            context |= {"error": error, "charts": []}
            return render(request, "desk/dashboard.html", context, status=400)
        state = RollupState.objects.filter(pk=1).first()
        context |= {
            "report": report,
            "charts": dashboard.all_charts(report=report),
            "refreshed_at": state.refreshed_at if state else None,
        }
        return render(request, "desk/dashboard.html", context)


@login_required
@desk_access
def dashboard_csv_view(request, key):
    if key not in dashboard.CHARTS:
        raise Http404
    with reporting():
        shops, shop = _shops(request)
        try:
            report = _report(request, shops, shop)
        except dashboard.RangeError as error:
            return HttpResponseBadRequest(f"{error.field}: {error}", content_type="text/plain; charset=utf-8")
        chart = dashboard.chart(key, report=report)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="postsale-{key}.csv"'
    writer = csv_writer(response)
    writer.writerow(chart.columns)
    writer.writerows(chart.rows)
    return response
