"""Saving the queue's current filters as a view, and deleting one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orders import tenancy

from .. import saved_views
from .common import desk_access, errors_text


@login_required
@desk_access
@require_POST
def view_save(request):
    shop = get_object_or_404(tenancy.shops_of(request.user), slug=request.POST.get("shop", ""))
    try:
        view = saved_views.saved_view_create(
            user=request.user,
            shop=shop,
            name=request.POST.get("name", "")[:200],
            query=request.POST.get("query", ""),
            shared=request.POST.get("shared") == "on",
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(errors_text(exc))
    messages.success(request, _("Saved the view %(name)s.") % {"name": view.name})
    return redirect(f"/desk/?{view.query}")


@login_required
@desk_access
@require_POST
def view_delete(request, pk):
    view = get_object_or_404(saved_views.views_for(request.user), pk=pk)
    try:
        saved_views.saved_view_delete(user=request.user, view=view)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect("desk:queue")
