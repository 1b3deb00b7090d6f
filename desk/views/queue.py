"""The queue of cases: filters, saved views, paging by cursor, and bulk actions on the cases ticked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cases import services as cases
from cases.choices import ClaimType
from cases.models import Case, CaseKind, CaseStatus
from cases.tags import cases_tag, tag_name, tag_names, tags_of_shops
from config.errors import Conflict
from config.queries import fetch_together
from messaging.selectors import canned_replies_seen_by
from orders import tenancy
from orders.models import Carrier

from .. import queue
from ..macros import macro_apply
from ..presence import others_on_cases
from ..saved_views import views_for
from .common import desk_access, errors_text
from .queue_rows import queue_rows


@login_required
@desk_access
def queue_view(request):
    filters = queue.QueueFilters.from_query(request.GET)
    lists = _menus(request.user)
    shops, carriers = lists["shops"], lists["carriers"]
    page = queue.queue_page(
        filters,
        user=request.user,
        cursor=request.GET.get("after"),
        shops={shop.pk: shop for shop in shops},
        carriers={carrier.pk: carrier for carrier in carriers},
    )
    # The payment providers' deadline column, when a dispute is on the page; the rows "More cases"
    # adds keep the columns of the page they join (rb=1).
    show_respond_by = page.any_respond_by or request.GET.get("rb") == "1"
    # One reverse() for the page instead of three per row.
    prefix = reverse("desk:case", args=["0"])[:-2]
    # Colleagues who have a case open now (the case page's heartbeat), for the whole page in one query.
    others = others_on_cases([case.pk for case in page.cases], user=request.user)
    for case in page.cases:
        case.desk_url = f"{prefix}{case.reference}/"
        case.others = others.get(case.pk, [])
    several_shops = len(shops) > 1
    context = {
        "page": page,
        "rows": queue_rows(page.cases, several_shops=several_shops, show_respond_by=show_respond_by),
        "show_respond_by": show_respond_by,
        "filters": filters,
        "saved_views": queue.SAVED_VIEWS,
        "counts": queue.view_counts(user=request.user),
        "shops": shops,
        # The shop's name on each row only matters to someone who works for several.
        "several_shops": several_shops,
        "carriers": carriers,
        # The shops' tags, for the filter and the bulk "Add tag" suggestions.
        "shop_tags": tag_names(lists["tags"]),
        # The agent's own views and the shared ones of their shops.
        "my_views": lists["views"],
        # Canned replies and macros for "apply to the selected".
        "bulk_macros": lists.get("macros", []),
        "current_query": _query_without(request, "after"),
        "kinds": CaseKind.choices,
        "types": ClaimType.choices,
        "statuses": CaseStatus.choices,
        "query_without_cursor": _query_without(request, "after"),
        "query_without_sort": _query_without(request, "after", "sort"),
        # Who a case can be given to in bulk: the people of the agent's shops.
        "assignees": lists.get("assignees", []),
        "columns": SORT_COLUMNS,
    }
    template = "desk/_queue_rows.html" if request.htmx and request.GET.get("after") else "desk/queue.html"
    if request.htmx and not request.GET.get("after"):
        template = "desk/_queue_table.html"
    return render(request, template, context)


def _menus(user) -> dict[str, list]:
    """The lists around the queue (filter menus, saved views, bulk tools) in one round trip."""
    lists = {
        "shops": tenancy.shops_of(user).order_by("name"),
        "carriers": Carrier.objects.order_by("name"),
        "tags": tags_of_shops(tenancy.shops_of(user).values("pk")),
        "views": views_for(user),
    }
    if user.has_perm("cases.change_case"):
        lists["macros"] = canned_replies_seen_by(user).only("pk", "title", "language")
        lists["assignees"] = (
            tenancy.users_in_shops(user, roles=tenancy.STAFF_ROLES)
            .filter(memberships__role__in=tenancy.STAFF_ROLES)
            .order_by("username")
            .only("username")
        )
    return fetch_together(lists)


def _query_without(request, *keys: str) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


# The sortable columns' headers, in the order of the table.
SORT_COLUMNS = {
    "priority": _lazy("Priority"),
    "value": _lazy("Value"),
    "age": _lazy("Age"),
    "due": _lazy("Answer due"),
    "last_message": _lazy("Buyer wrote"),
}


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def bulk_view(request):
    references = request.POST.getlist("case")
    action = request.POST.get("bulk")
    assignee, status = None, request.POST.get("status", "")
    if action == "assign" and request.POST.get("assignee"):
        # Someone of the agent's own shops; whether they work for each case's shop, case_assign checks.
        assignee = (
            tenancy.users_in_shops(request.user, roles=tenancy.STAFF_ROLES)
            .filter(username=request.POST["assignee"])
            .first()
        )
        if assignee is None:
            return HttpResponseBadRequest(_("assignee: no such agent in your shops."))
    if action == "status" and status not in CaseStatus.values:
        return HttpResponseBadRequest(_("status: choose a status."))
    canned = None
    if action == "macro":
        canned = canned_replies_seen_by(request.user).filter(pk=request.POST.get("canned") or None).first()
        if canned is None:
            return HttpResponseBadRequest(_("canned: choose a canned reply or macro."))
    if action == "tag":
        try:
            tag = tag_name(request.POST.get("tag", "")[:200])
        except ValidationError as exc:
            return HttpResponseBadRequest(_("tag: %(error)s") % {"error": errors_text(exc)})
    done, refused = 0, []
    for case in tenancy.in_shops(Case.objects.filter(reference__in=references[:200]), request.user):
        try:
            if action == "assign_me":
                cases.case_assign(case=case, assignee=request.user, actor=request.user)
            elif action == "assign":
                cases.case_assign(case=case, assignee=assignee, actor=request.user)
            elif action == "status":
                cases.case_move(case=case, to=status, actor=request.user, reason=_("Changed in bulk"))
            elif action == "tag":
                cases_tag(cases=[case], name=tag, actor=request.user)
            elif action == "macro":
                # The macro's text to each buyer, in full; a case of another shop than the macro's is refused.
                if canned.shop_id not in (None, case.shop_id):
                    raise ValidationError({"canned": [_("This macro belongs to another shop.")]})
                macro_apply(case=case, agent=request.user, body="", canned=canned)
            elif action == "close":
                cases.case_move(
                    case=case, to=CaseStatus.CLOSED, actor=request.user, reason=_("Closed in bulk")
                )
            else:
                return HttpResponseBadRequest(_("Unknown bulk action."))
            done += 1
        except Conflict as exc:
            refused.append(f"{case.reference}: {exc.message}")
        except ValidationError as exc:
            refused.append(f"{case.reference}: {errors_text(exc)}")
    messages.success(
        request, ngettext("%(count)d case updated.", "%(count)d cases updated.", done) % {"count": done}
    )
    for line in refused:
        messages.warning(request, line)
    return redirect(_safe_next(request) or reverse("desk:queue"))


def _safe_next(request) -> str:
    """The page to go back to, if it is one of ours (never an address on another site)."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""
