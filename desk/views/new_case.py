"""Starting a case from the desk: find the order, pick type and lines, see the evidence at once.

Also where an enquiry finds its order (and becomes a claim or return, keeping its conversation)
and where two cases of one buyer are merged.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.choices import ClaimType
from cases.linking import case_link_order, case_merge
from cases.models import Case, CaseKind, OpenedVia
from claims import services as claims
from config.errors import Conflict
from orders import tenancy
from orders.models import Order
from returns.models import ReturnMethod, ReturnReason
from returns.services import LineIn as ReturnLineIn
from returns.services import return_request

from ..order_search import orders_matching
from .common import after_action, case_or_404, desk_access, errors_text

LINK_ONLY = "link"


def _enquiry(request, reference: str) -> Case | None:
    """The enquiry the agent is finding an order for (?for=C-…), if any; another shop's answers 404."""
    if not reference:
        return None
    return case_or_404(request, reference)


@login_required
@desk_access
def order_search_view(request):
    q = request.GET.get("q", "")
    enquiry = _enquiry(request, request.GET.get("for", ""))
    context = {"q": q, "orders": orders_matching(request.user, q), "enquiry": enquiry}
    return render(request, "desk/new_case.html", context)


@login_required
@desk_access
def order_new_case_view(request, pk):
    order = tenancy.get_in_shops_or_404(
        Order.objects.select_related("shop", "buyer").prefetch_related("lines"), request.user, pk=pk
    )
    enquiry = _enquiry(request, request.POST.get("for") or request.GET.get("for", ""))
    errors, status = {}, 200
    if request.method == "POST":
        try:
            case = _start(request, order=order, enquiry=enquiry)
        except ValidationError as exc:
            errors, status = _by_field(exc), 400
        except Conflict as exc:
            errors, status = {"__all__": [exc.message]}, 409
        else:
            return redirect("desk:case", reference=case.reference)
    context = {
        "order": order,
        "lines": [
            {"line": line, "value": request.POST.get(f"qty-{line.pk}", "")} for line in order.lines.all()
        ],
        "enquiry": enquiry,
        "claim_types": [c for c in ClaimType.choices if c[0] != ClaimType.CHARGEBACK],
        "return_reasons": ReturnReason.choices,
        "return_methods": ReturnMethod.choices,
        "posted": request.POST,
        "errors": errors,
    }
    return render(request, "desk/order_new_case.html", context, status=status)


def _by_field(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _quantities(request, order: Order) -> list[tuple]:
    """The lines the agent picked, as (order line, quantity); a quantity that is not a number names its line."""
    picked, errors = [], {}
    for line in order.lines.all():
        raw = request.POST.get(f"qty-{line.pk}", "").strip()
        if not raw or raw == "0":
            continue
        try:
            quantity = int(raw)
        except ValueError:
            errors[f"qty-{line.pk}"] = [_("A whole number, please.")]
            continue
        picked.append((line, quantity))
    if errors:
        raise ValidationError(errors)
    return picked


def _start(request, *, order: Order, enquiry: Case | None) -> Case:
    """What the form asked for, through the same services as the API and the portal."""
    kind = request.POST.get("kind", "")
    if kind == LINK_ONLY:
        if enquiry is None:
            raise ValidationError({"kind": [_("Only an enquiry can be linked to an order.")]})
        _require(request, "cases.change_case")
        return case_link_order(case=enquiry, order=order, actor=request.user)
    picked = _quantities(request, order)
    if kind == CaseKind.CLAIM:
        _require(request, "claims.add_claim")
        claim = claims.claim_open(
            order=order,
            type=request.POST.get("type", ""),
            opened_via=OpenedVia.AGENT,
            lines=[claims.LineIn(order_line=line, quantity=quantity) for line, quantity in picked],
            statement=request.POST.get("statement", "")[:5000],
            actor=request.user,
            enquiry=enquiry,
        )
        return claim.case
    if kind == CaseKind.RETURN:
        _require(request, "returns.add_returnrequest")
        if not picked:
            raise ValidationError({"lines": [_("Say which items come back and how many.")]})
        reason = request.POST.get("reason", "")
        if reason not in ReturnReason.values:
            raise ValidationError({"reason": [_("Choose why the items come back.")]})
        returned = return_request(
            order=order,
            lines=[ReturnLineIn(order_line=line, quantity=q, reason=reason) for line, q in picked],
            method=request.POST.get("method", ReturnMethod.DROP_OFF),
            resolution="refund",
            opened_via=OpenedVia.AGENT,
            actor=request.user,
            outside_policy=request.POST.get("outside_policy") == "1",
            enquiry=enquiry,
        )
        return returned.case
    raise ValidationError({"kind": [_("Choose a claim or a return.")]})


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def merge_view(request, reference):
    source = case_or_404(request, reference)
    into = request.POST.get("into", "").strip().upper()
    target = (
        tenancy.in_shops(Case.objects.select_related("buyer"), request.user).filter(reference=into).first()
    )
    if target is None:
        return after_action(
            request, source, error=_("No case %(reference)s in your shops.") % {"reference": into}
        )
    try:
        case_merge(source=source, target=target, actor=request.user)
    except ValidationError as exc:
        return after_action(request, source, error=errors_text(exc))
    except Conflict as exc:
        return after_action(request, source, error=exc.message)
    messages.success(request, _("%(source)s merged into this case.") % {"source": source.reference})
    return redirect("desk:case", reference=target.reference)
