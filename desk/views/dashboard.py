"""The owner's dashboard, and each of its charts as CSV: over the user's own shops, or one of them."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from config.spreadsheets import csv_writer
from orders import tenancy

from ..dashboard import all_charts
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


@login_required
@desk_access
def dashboard_view(request):
    shops, shop = _shops(request)
    charts = all_charts(shops=[shop] if shop else shops)
    return render(request, "desk/dashboard.html", {"charts": charts, "shops": shops, "shop": shop})


@login_required
@desk_access
def dashboard_csv_view(request, key):
    shops, shop = _shops(request)
    chart = next((c for c in all_charts(shops=[shop] if shop else shops) if c.key == key), None)
    if chart is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="postsale-{key}.csv"'
    writer = csv_writer(response)
    writer.writerow(chart.columns)
    writer.writerows(chart.rows)
    return response
