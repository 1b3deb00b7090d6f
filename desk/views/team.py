"""The owner's team: add an agent to a shop, set what they may give back, take them off a shop."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.limits import refund_limit_set
from orders import services as orders
from orders import tenancy
from orders.models import Membership, Role

from .. import team
from .approvals import owner_only
from .common import desk_access


def _page(request, *, errors=None, values=None, limit_pk=None, status=200):
    """The page; `errors` belong to the add form, or to the limit form of membership `limit_pk`."""
    context = {
        "teams": team.teams(request.user),
        "errors": errors or {},
        "values": values or {},
        "limit_pk": limit_pk,
    }
    return render(request, "desk/team.html", context, status=status)


def _field_errors(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


@login_required
@desk_access
def team_view(request):
    owner_only(request)
    return _page(request)


@login_required
@desk_access
@require_POST
def team_add_view(request):
    owner_only(request)
    shop = get_object_or_404(team.owned_shops(request.user), slug=request.POST.get("shop", ""))
    values = {key: request.POST.get(key, "") for key in ("shop", "username", "email")}
    try:
        membership = orders.agent_add(
            shop=shop,
            username=request.POST.get("username", "")[:150],
            email=request.POST.get("email", "")[:254],
            password=request.POST.get("password", ""),
            by=request.user,
        )
    except ValidationError as error:
        return _page(request, errors=_field_errors(error), values=values, status=400)
    messages.success(
        request,
        _("%(user)s is now an agent of %(shop)s, with no refunds of their own until you set a limit.")
        % {"user": membership.user.get_username(), "shop": shop.name},
    )
    return redirect("desk:team")


def _membership(request, pk) -> Membership:
    """An owner's own shop's agent; anything else answers 404."""
    queryset = Membership.objects.select_related("user", "shop").filter(role=Role.AGENT)
    return tenancy.get_in_shops_or_404(queryset, request.user, roles=[Role.OWNER], pk=pk)


@login_required
@desk_access
@require_POST
def team_limit_view(request, pk):
    owner_only(request)
    membership = _membership(request, pk)
    try:
        refund_limit_set(
            shop=membership.shop,
            user=membership.user,
            amount=request.POST.get("amount", "")[:20],
            daily_amount=request.POST.get("daily_amount", "")[:20],
            by=request.user,
        )
    except ValidationError as error:
        return _page(request, errors=_field_errors(error), limit_pk=membership.pk, status=400)
    messages.success(request, _("Refund limit of %(user)s saved.") % {"user": membership.user.get_username()})
    return redirect("desk:team")


@login_required
@desk_access
@require_POST
def team_remove_view(request, pk):
    owner_only(request)
    membership = _membership(request, pk)
    orders.membership_revoke(user=membership.user, shop=membership.shop, by=request.user)
    messages.success(
        request,
        _("%(user)s no longer works for %(shop)s; their open cases are back in the queue.")
        % {"user": membership.user.get_username(), "shop": membership.shop.name},
    )
    return redirect("desk:team")
