"""The owner's dashboard, and each of its charts as CSV."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from orders.models import Shop

from ..dashboard import all_charts
from .common import desk_access


@login_required
@desk_access
def dashboard_view(request):
    shop = Shop.objects.filter(slug=request.GET.get("shop")).first() if request.GET.get("shop") else None
    charts = all_charts(shop=shop)
    return render(
        request,
        "desk/dashboard.html",
        {"charts": charts, "shops": Shop.objects.order_by("name"), "shop": shop},
    )


@login_required
@desk_access
def dashboard_csv_view(request, key):
    shop = Shop.objects.filter(slug=request.GET.get("shop")).first() if request.GET.get("shop") else None
    chart = next((c for c in all_charts(shop=shop) if c.key == key), None)
    if chart is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="postsale-{key}.csv"'
    writer = csv.writer(response)
    writer.writerow(chart.columns)
    writer.writerows(chart.rows)
    return response
