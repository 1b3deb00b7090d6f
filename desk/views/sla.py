"""The owner's SLA page: how soon each type of case is answered and settled, and when support works."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import sla_settings
from cases.models import SLA_CASE_TYPES, ClosedDay, OpeningHours, SlaPolicy, Weekday

from ..team import owned_shops
from .approvals import owner_only
from .common import desk_access


def _page(request, *, errors=None, shop_slug="", status=200):
    shops = list(owned_shops(request.user))
    policies, hours, closed = {}, {}, {}
    for policy in SlaPolicy.objects.filter(shop__in=shops):
        policies.setdefault(policy.shop_id, []).append(policy)
    for row in OpeningHours.objects.filter(shop__in=shops).order_by("weekday", "opens"):
        # The form shows one period a day: the first opening and the last closing.
        opens, closes = hours.setdefault(row.shop_id, {}).get(row.weekday, (row.opens, row.closes))
        hours[row.shop_id][row.weekday] = (min(opens, row.opens), max(closes, row.closes))
    for day in ClosedDay.objects.filter(shop__in=shops):
        closed.setdefault(day.shop_id, []).append(day)
    sections = [
        {
            "shop": shop,
            "policies": policies.get(shop.pk, []),
            "week": [(day, *hours.get(shop.pk, {}).get(day.value, (None, None))) for day in Weekday],
            "closed": closed.get(shop.pk, []),
        }
        for shop in shops
    ]
    context = {
        "sections": sections,
        "case_types": SLA_CASE_TYPES,
        "errors": errors or {},
        "error_shop": shop_slug,
    }
    return render(request, "desk/sla.html", context, status=status)


def _shop(request, slug):
    owner_only(request)
    return get_object_or_404(owned_shops(request.user), slug=slug)


def _refused(request, shop, error: ValidationError):
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return _page(request, errors=errors, shop_slug=shop.slug, status=400)


def _saved(request, shop):
    messages.success(
        request,
        _("Saved. The open cases of %(shop)s get their new deadlines in a moment.") % {"shop": shop.name},
    )
    return redirect("desk:sla")


@login_required
@desk_access
def sla_view(request):
    owner_only(request)
    return _page(request)


@login_required
@desk_access
@require_POST
def sla_policy_view(request, shop):
    shop = _shop(request, shop)
    try:
        sla_settings.sla_policy_set(
            shop=shop,
            case_type=request.POST.get("case_type", ""),
            first_response_hours=request.POST.get("first_response_hours"),
            resolution_hours=request.POST.get("resolution_hours"),
            by=request.user,
        )
    except ValidationError as error:
        return _refused(request, shop, error)
    return _saved(request, shop)


@login_required
@desk_access
@require_POST
def sla_policy_remove_view(request, shop):
    shop = _shop(request, shop)
    sla_settings.sla_policy_remove(shop=shop, case_type=request.POST.get("case_type", ""), by=request.user)
    return _saved(request, shop)


@login_required
@desk_access
@require_POST
def sla_hours_view(request, shop):
    shop = _shop(request, shop)
    hours, errors = {}, {}
    for day in Weekday:
        raw = [request.POST.get(f"{name}_{day.value}", "").strip() for name in ("opens", "closes")]
        parsed = [_time(value) for value in raw]
        if any(value and moment is None for value, moment in zip(raw, parsed, strict=True)):
            errors[f"closes_{day.value}"] = [_("Times like 08:00 or 17:30.")]
        hours[day.value] = tuple(parsed)
    try:
        if errors:
            raise ValidationError(errors)
        sla_settings.opening_hours_set(shop=shop, hours=hours, by=request.user)
    except ValidationError as error:
        return _refused(request, shop, error)
    return _saved(request, shop)


def _time(value: str):
    try:
        return parse_time(value) if value else None
    except ValueError:
        return None


def _date(value: str):
    try:
        return parse_date(value.strip()) if value else None
    except ValueError:
        return None


@login_required
@desk_access
@require_POST
def sla_closed_day_view(request, shop):
    shop = _shop(request, shop)
    try:
        sla_settings.closed_day_add(
            shop=shop,
            day=_date(request.POST.get("date", "")),
            name=request.POST.get("name", ""),
            by=request.user,
        )
    except ValidationError as error:
        return _refused(request, shop, error)
    return _saved(request, shop)


@login_required
@desk_access
@require_POST
def sla_closed_day_remove_view(request, shop):
    shop = _shop(request, shop)
    sla_settings.closed_day_remove(shop=shop, day=_date(request.POST.get("date", "")), by=request.user)
    return _saved(request, shop)
