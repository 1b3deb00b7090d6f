"""The agents' workspace: queue, case page and the actions on a case.

Views parse the request, call the same services as the API and render. htmx
swaps only what changes in place (queue filters and paging, assign-to-me,
canned replies and the reply preview); actions on a case post and come back
to the case page.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cases import refunds
from cases import services as cases
from cases.choices import ClaimType
from cases.models import Case, CaseKind, CaseStatus, Refund
from claims import services as claims
from claims.models import CarrierClaim
from config.errors import Conflict
from messaging.models import CannedReply
from messaging.rendering import case_context, render_event
from messaging.services import agent_reply, canned_reply_fill
from orders.models import Carrier, Shop
from returns import services as returns

from . import dashboard, queue, selectors
from .bundle import evidence_bundle_pdf
from .forms import ActForm, CarrierClaimForm, LanguageForm, MoveForm, NoteForm, RiskForm
from .models import AgentProfile

desk_access = permission_required("cases.view_case", raise_exception=True)


@login_required
@desk_access
def queue_view(request):
    filters = queue.QueueFilters.from_query(request.GET)
    shops = list(Shop.objects.order_by("name"))
    carriers = list(Carrier.objects.order_by("name"))
    page = queue.queue_page(
        filters,
        user=request.user,
        cursor=request.GET.get("after"),
        shops={shop.pk: shop for shop in shops},
        carriers={carrier.pk: carrier for carrier in carriers},
    )
    # One reverse() for the page instead of three per row.
    prefix = reverse("desk:case", args=["0"])[:-2]
    for case in page.cases:
        case.desk_url = f"{prefix}{case.reference}/"
    context = {
        "page": page,
        "filters": filters,
        "saved_views": queue.SAVED_VIEWS,
        "counts": queue.view_counts(user=request.user),
        "shops": shops,
        "carriers": carriers,
        "kinds": CaseKind.choices,
        "types": ClaimType.choices,
        "statuses": CaseStatus.choices,
        "query_without_cursor": _query_without(request, "after"),
    }
    template = "desk/_queue_rows.html" if request.htmx and request.GET.get("after") else "desk/queue.html"
    if request.htmx and not request.GET.get("after"):
        template = "desk/_queue_table.html"
    return render(request, template, context)


def _query_without(request, key: str) -> str:
    params = request.GET.copy()
    params.pop(key, None)
    return params.urlencode()


@login_required
@desk_access
@require_POST
def bulk_view(request):
    references = request.POST.getlist("case")
    action = request.POST.get("bulk")
    done, refused = 0, []
    for case in Case.objects.filter(reference__in=references[:200]):
        try:
            if action == "assign_me":
                cases.case_assign(case=case, assignee=request.user, actor=request.user)
            elif action == "close":
                cases.case_move(
                    case=case, to=CaseStatus.CLOSED, actor=request.user, reason=_("Closed in bulk")
                )
            else:
                return HttpResponseBadRequest(_("Unknown bulk action."))
            done += 1
        except Conflict as exc:
            refused.append(f"{case.reference}: {exc.message}")
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


@login_required
@desk_access
def case_view(request, reference):
    case = get_object_or_404(selectors.case_page(), reference=reference)
    return render(request, "desk/case.html", selectors.case_page_context(case, user=request.user))


def _case_or_404(reference) -> Case:
    return get_object_or_404(Case.objects.select_related("shop", "order", "buyer"), reference=reference)


def _after_action(request, case: Case, *, error: str | None = None):
    """Back to the case page, with the error if the service refused."""
    if error:
        messages.error(request, error)
    return redirect("desk:case", reference=case.reference)


def _errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        # The message says what is wrong; the agent never sees the form's field names.
        return " ".join(message for messages_ in exc.message_dict.values() for message in messages_)
    return " ".join(exc.messages)


@login_required
@permission_required("claims.add_resolution", raise_exception=True)
@require_POST
def act_view(request, reference):
    case = _case_or_404(reference)
    form = ActForm(request.POST)
    if not form.is_valid():
        return _after_action(request, case, error=_errors_text(ValidationError(form.errors)))
    try:
        result = claims.claim_act(case=case, actor=request.user, **form.service_kwargs())
    except ValidationError as exc:
        return _after_action(request, case, error=_errors_text(exc))
    except Conflict as exc:
        return _after_action(request, case, error=exc.message)
    if result.escalated_for_limit:
        messages.warning(request, _("The amount is above your refund limit: the case went to an owner."))
    else:
        messages.success(request, _("Done."))
    return _after_action(request, case)


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def move_view(request, reference):
    case = _case_or_404(reference)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            cases.case_move(
                case=case,
                to=form.cleaned_data["status"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except Conflict as exc:
            return _after_action(request, case, error=exc.message)
    return _after_action(request, case)


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def assign_me_view(request, reference):
    # The service returns the case as it now is (locked and re-read): render that one.
    case = cases.case_assign(case=_case_or_404(reference), assignee=request.user, actor=request.user)
    if request.htmx and request.POST.get("from") == "queue":
        return render(request, "desk/_assignee.html", {"case": case})
    return _after_action(request, case)


@login_required
@permission_required("cases.add_casenote", raise_exception=True)
@require_POST
def note_view(request, reference):
    case = _case_or_404(reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        cases.case_note_add(case=case, author=request.user, body=form.cleaned_data["body"])
    return _after_action(request, case)


@login_required
@permission_required("claims.change_claim", raise_exception=True)
@require_POST
def step_view(request, reference):
    case = _case_or_404(reference)
    try:
        claims.playbook_step_done(claim=case.claim, key=request.POST.get("key", ""), actor=request.user)
    except ValidationError as exc:
        return _after_action(request, case, error=_errors_text(exc))
    return _after_action(request, case)


@login_required
@permission_required("orders.change_buyer", raise_exception=True)
@require_POST
def risk_view(request, reference):
    case = _case_or_404(reference)
    form = RiskForm(request.POST)
    if not form.is_valid() or case.buyer is None:
        return _after_action(request, case, error=_("Choose a risk flag."))
    try:
        cases.case_set_buyer_risk(
            case=case, flag=form.cleaned_data["flag"], reason=form.cleaned_data["reason"], actor=request.user
        )
    except ValidationError as exc:
        return _after_action(request, case, error=_errors_text(exc))
    return _after_action(request, case)


@login_required
@permission_required("claims.change_carrierclaim", raise_exception=True)
@require_POST
def carrier_claim_view(request, reference, pk):
    case = _case_or_404(reference)
    carrier_claim = get_object_or_404(CarrierClaim, pk=pk, claim__case=case)
    form = CarrierClaimForm(request.POST)
    if not form.is_valid():
        return _after_action(request, case, error=_errors_text(ValidationError(form.errors)))
    try:
        claims.carrier_claim_update(carrier_claim=carrier_claim, actor=request.user, **form.cleaned_data)
    except Conflict as exc:
        return _after_action(request, case, error=exc.message)
    return _after_action(request, case)


@login_required
@permission_required("claims.add_carrierclaim", raise_exception=True)
@require_POST
def carrier_claim_open_view(request, reference):
    case = _case_or_404(reference)
    try:
        with transaction.atomic():
            claims.carrier_claim_open(claim=case.claim, actor=request.user)
    except ValidationError as exc:
        return _after_action(request, case, error=_errors_text(exc))
    return _after_action(request, case)


@login_required
@permission_required("cases.change_refund", raise_exception=True)
@require_POST
def refund_confirm_view(request, reference, pk):
    case = _case_or_404(reference)
    refund = get_object_or_404(Refund, pk=pk, case=case)
    try:
        refunds.refund_confirm(
            refund=refund, actor=request.user, gateway_reference=request.POST.get("gateway_reference", "")
        )
    except Conflict as exc:
        return _after_action(request, case, error=exc.message)
    return _after_action(request, case)


@login_required
@desk_access
def profile_view(request):
    profile, _created = AgentProfile.objects.get_or_create(user=request.user)
    form = LanguageForm(request.POST or None, initial={"language": profile.language})
    if request.method == "POST" and form.is_valid():
        profile.language = form.cleaned_data["language"]
        profile.save(update_fields=["language"])
        request.session["desk_language"] = profile.language
        return redirect("desk:queue")
    return render(request, "desk/profile.html", {"form": form})


@login_required
@desk_access
def dashboard_view(request):
    shop = Shop.objects.filter(slug=request.GET.get("shop")).first() if request.GET.get("shop") else None
    charts = dashboard.all_charts(shop=shop)
    return render(
        request,
        "desk/dashboard.html",
        {"charts": charts, "shops": Shop.objects.order_by("name"), "shop": shop},
    )


@login_required
@desk_access
def dashboard_csv_view(request, key):
    shop = Shop.objects.filter(slug=request.GET.get("shop")).first() if request.GET.get("shop") else None
    chart = next((c for c in dashboard.all_charts(shop=shop) if c.key == key), None)
    if chart is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="postsale-{key}.csv"'
    writer = csv.writer(response)
    writer.writerow(chart.columns)
    writer.writerows(chart.rows)
    return response


@login_required
@desk_access
def bundle_view(request, reference):
    case = get_object_or_404(
        Case.objects.select_related("shop", "order__buyer", "claim"), reference=reference
    )
    response = HttpResponse(evidence_bundle_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-evidence.pdf"'
    return response


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def reply_view(request, reference):
    case = _case_or_404(reference)
    canned = CannedReply.objects.filter(pk=request.POST.get("canned") or None).first()
    try:
        agent_reply(
            case=case,
            agent=request.user,
            body=request.POST.get("body", ""),
            canned_reply=canned,
            wait_for_buyer=request.POST.get("wait_for_buyer") == "on",
        )
    except ValidationError as exc:
        return _after_action(request, case, error=_errors_text(exc))
    messages.success(request, _("Reply queued; it goes out in a moment."))
    return _after_action(request, case)


@login_required
@desk_access
def canned_fill_view(request, reference):
    """The chosen canned reply with the case's details filled in, for the composer to edit."""
    case = _case_or_404(reference)
    canned = get_object_or_404(CannedReply, pk=request.GET.get("canned"))
    body = canned_reply_fill(body=canned.body, case=case, agent=request.user)
    return render(request, "desk/_reply_body.html", {"body": body})


@login_required
@desk_access
@require_POST
def reply_preview_view(request, reference):
    """The reply as the buyer will read it: in their language, with the shop's greeting and footer."""
    case = _case_or_404(reference)
    body = canned_reply_fill(body=request.POST.get("body", ""), case=case, agent=request.user)
    rendered = render_event(
        "agent_reply",
        {**case_context(case), "body": body},
        language=case.language or "en",
        shop_id=case.shop_id,
        time_zone=case.shop.time_zone,
    )
    return render(request, "desk/_reply_preview.html", {"rendered": rendered})


def _return_of(case: Case):
    request = getattr(case, "return_request", None)
    if request is None:
        raise Http404
    return request


@login_required
@permission_required("returns.change_returnrequest", raise_exception=True)
@require_POST
def return_action_view(request, reference, step):
    """Approve, reject, receive, inspect or close the return of a case, through the returns services."""
    case = _case_or_404(reference)
    return_request = _return_of(case)
    lines = list(return_request.lines.all())
    try:
        if step == "approve":
            returns.return_approve(rma=return_request.rma, actor=request.user)
        elif step == "reject":
            returns.return_reject(
                rma=return_request.rma, actor=request.user, reason=request.POST.get("reason", "")
            )
        elif step == "receive":
            received = {line.pk: _int(request.POST.get(f"received-{line.pk}")) for line in lines}
            returns.return_receive(rma=return_request.rma, lines=received, actor=request.user)
        elif step == "inspect":
            inspected = [
                returns.InspectLine(
                    key=line.pk,
                    accepted_quantity=_int(request.POST.get(f"accepted-{line.pk}")),
                    condition=request.POST.get(f"condition-{line.pk}", ""),
                    notes=request.POST.get(f"notes-{line.pk}", ""),
                )
                for line in lines
            ]
            returns.return_inspect(rma=return_request.rma, lines=inspected, actor=request.user)
        elif step == "approve_refund":
            returns.return_refund_approve(rma=return_request.rma, actor=request.user)
        elif step == "close":
            returns.return_close(rma=return_request.rma, actor=request.user)
        else:
            raise Http404
    except ValidationError as exc:
        return _after_action(request, case, error=_errors_text(exc))
    except Conflict as exc:
        return _after_action(request, case, error=exc.message)
    messages.success(request, _("Done."))
    return _after_action(request, case)


def _int(value) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


@login_required
@permission_required("decisions.add_decisionrecord", raise_exception=True)
@require_POST
def decide_view(request, reference):
    """Ask the matrix again: evidence changes (a scan, a signature) and owners change thresholds."""
    case = _case_or_404(reference)
    claim = getattr(case, "claim", None)
    if claim is None or not case.is_open:
        return _after_action(request, case, error=_("Only open claims get a recommendation."))
    claims.claim_recheck(claim=claim, actor=request.user)
    return _after_action(request, case)
