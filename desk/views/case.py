"""The case page, and the agent's actions on it: resolve, move, assign, note, playbook, risk, carrier claims, refunds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import outbound, refunds, tags
from cases import services as cases
from cases.models import Case, InvoiceReduction, OutboundCall, Refund
from claims import services as claims
from claims.letter import carrier_claim_letter_pdf
from claims.models import CarrierClaim, CarrierClaimStatus
from config.errors import Conflict

from .. import selectors
from ..bundle import evidence_bundle_pdf
from ..forms import ACTION_CHOICES, ActForm, CarrierClaimForm, MoveForm, NoteForm, RiskForm
from ..previews import act_message_default, act_preview
from .common import after_action, case_or_404, desk_access, errors_text

ACTION_VALUES = {value for value, _label in ACTION_CHOICES}


@login_required
@desk_access
def case_view(request, reference):
    case = case_or_404(request, reference, selectors.case_page())
    if case.merged_into_id:
        # A merged case lives on in the one it was merged into: its reference leads there.
        return redirect("desk:case", reference=Case.objects.get(pk=case.merged_into_id).reference)
    cases.case_mark_seen(case, request.user)
    context = selectors.case_page_context(case, user=request.user) | {"now": timezone.now()}
    # A reply held back because a colleague or the buyer wrote in between comes back to its author.
    context["reply_draft"] = request.session.pop(f"reply_draft:{case.reference}", "")
    # Times as the shop lives them: a parcel scanned at 17:05 in Stockholm reads 17:05.
    with timezone.override(case.shop.time_zone):
        return render(request, "desk/case.html", context)


@login_required
@desk_access
def bundle_view(request, reference):
    case = case_or_404(request, reference, Case.objects.select_related("shop", "order__buyer", "claim"))
    response = HttpResponse(evidence_bundle_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-evidence.pdf"'
    return response


def _act_refused(request, reference, form: ActForm, error: str):
    """The case page again, the refusal next to the act form with what the agent typed: nothing was done."""
    case = case_or_404(request, reference, selectors.case_page())
    context = selectors.case_page_context(case, user=request.user)
    context.update(act_error=error, act_values=form.data)
    return render(request, "desk/case.html", context, status=400)


@login_required
@permission_required("claims.add_resolution", raise_exception=True)
@require_POST
def act_view(request, reference):
    case = case_or_404(request, reference)
    form = ActForm(request.POST)
    if not form.is_valid():
        return _act_refused(request, reference, form, errors_text(ValidationError(form.errors)))
    try:
        result = claims.claim_act(case=case, actor=request.user, **form.service_kwargs())
    except ValidationError as exc:
        return _act_refused(request, reference, form, errors_text(exc))
    except Conflict as exc:
        return _act_refused(request, reference, form, exc.message)
    if result.escalated_for_limit:
        messages.warning(request, _("The amount is above your refund limit: the case went to an owner."))
    else:
        messages.success(request, _("Done."))
    return after_action(request, case)


@login_required
@desk_access
def act_message_view(request, reference):
    """The message to the buyer the chosen action starts with, in the buyer's language, for the form."""
    case = case_or_404(request, reference)
    action = request.GET.get("action", "")
    if action not in ACTION_VALUES:
        return HttpResponseBadRequest(_("Choose an action."))
    return render(
        request,
        "desk/_act_message.html",
        {"case": case, "buyer_message": act_message_default(case, action, agent=request.user)},
    )


@login_required
@permission_required("claims.add_resolution", raise_exception=True)
@require_POST
def act_preview_view(request, reference):
    """What Apply would do now, with the buyer's e-mail exactly as it would leave; nothing is done."""
    case = case_or_404(request, reference)
    form = ActForm(request.POST)
    if not form.is_valid():
        error = errors_text(ValidationError(form.errors))
    else:
        try:
            preview = act_preview(case=case, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            error = errors_text(exc)
        except Conflict as exc:
            error = exc.message
        else:
            return render(request, "desk/_act_preview.html", {"preview": preview})
    return render(request, "desk/_act_preview.html", {"error": error}, status=400)


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def move_view(request, reference):
    case = case_or_404(request, reference)
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
            return after_action(request, case, error=exc.message)
    return after_action(request, case)


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def assign_me_view(request, reference):
    case = case_or_404(request, reference)
    try:
        # The service returns the case as it now is (locked and re-read): render that one.
        case = cases.case_assign(case=case, assignee=request.user, actor=request.user)
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    if request.htmx and request.POST.get("from") == "queue":
        return render(request, "desk/_assignee.html", {"case": case})
    return after_action(request, case)


@login_required
@permission_required("cases.add_casenote", raise_exception=True)
@require_POST
def note_view(request, reference):
    case = case_or_404(request, reference)
    form = NoteForm(request.POST)
    if form.is_valid():
        cases.case_note_add(case=case, author=request.user, body=form.cleaned_data["body"])
    return after_action(request, case)


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def tag_view(request, reference):
    case = case_or_404(request, reference)
    try:
        tags.case_tag(case=case, name=request.POST.get("tag", "")[:200], actor=request.user)
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    return after_action(request, case)


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def untag_view(request, reference):
    case = case_or_404(request, reference)
    tags.case_untag(case=case, name=request.POST.get("tag", "")[:200], actor=request.user)
    return after_action(request, case)


@login_required
@permission_required("claims.change_claim", raise_exception=True)
@require_POST
def step_view(request, reference):
    case = case_or_404(request, reference)
    try:
        claims.playbook_step_done(claim=case.claim, key=request.POST.get("key", ""), actor=request.user)
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    return after_action(request, case)


@login_required
@permission_required("orders.change_buyer", raise_exception=True)
@require_POST
def risk_view(request, reference):
    case = case_or_404(request, reference)
    form = RiskForm(request.POST)
    if not form.is_valid() or case.buyer is None:
        return after_action(request, case, error=_("Choose a risk flag."))
    try:
        cases.case_set_buyer_risk(
            case=case, flag=form.cleaned_data["flag"], reason=form.cleaned_data["reason"], actor=request.user
        )
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    return after_action(request, case)


@login_required
@permission_required("claims.change_carrierclaim", raise_exception=True)
@require_POST
def carrier_claim_view(request, reference, pk):
    case = case_or_404(request, reference)
    carrier_claim = get_object_or_404(CarrierClaim, pk=pk, claim__case=case)
    form = CarrierClaimForm(request.POST)
    if not form.is_valid():
        return after_action(request, case, error=errors_text(ValidationError(form.errors)))
    try:
        carrier_claim = claims.carrier_claim_update(
            carrier_claim=carrier_claim, actor=request.user, **form.service_kwargs()
        )
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    except Conflict as exc:
        return after_action(request, case, error=exc.message)
    if carrier_claim.status == CarrierClaimStatus.FILED and carrier_claim.filed_late:
        messages.warning(
            request,
            _("Filed after the carrier's deadline of %(deadline)s: the carrier may refuse it as late.")
            % {"deadline": date_format(carrier_claim.deadline, "DATE_FORMAT")},
        )
    return after_action(request, case)


@login_required
@desk_access
def carrier_claim_letter_view(request, reference, pk):
    case = case_or_404(request, reference)
    carrier_claim = get_object_or_404(
        CarrierClaim.objects.select_related(
            "carrier", "claim__case__shop", "claim__case__order", "claim__shipment__carrier"
        ),
        pk=pk,
        claim__case=case,
    )
    response = HttpResponse(carrier_claim_letter_pdf(carrier_claim), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-carrier-claim.pdf"'
    return response


@login_required
@permission_required("claims.add_carrierclaim", raise_exception=True)
@require_POST
def carrier_claim_open_view(request, reference):
    case = case_or_404(request, reference)
    try:
        with transaction.atomic():
            claims.carrier_claim_open(claim=case.claim, actor=request.user)
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    return after_action(request, case)


@login_required
@permission_required("cases.change_refund", raise_exception=True)
@require_POST
def refund_confirm_view(request, reference, pk):
    case = case_or_404(request, reference)
    refund = get_object_or_404(Refund, pk=pk, case=case)
    try:
        refunds.refund_confirm(
            refund=refund, actor=request.user, gateway_reference=request.POST.get("gateway_reference", "")
        )
    except Conflict as exc:
        return after_action(request, case, error=exc.message)
    except PermissionDenied as exc:
        # Four eyes: the agent who made the refund reads why they cannot confirm it.
        return after_action(request, case, error=str(exc))
    return after_action(request, case)


@login_required
@permission_required("cases.change_refund", raise_exception=True)
@require_POST
def invoice_done_view(request, reference, pk):
    """The agent changed the unpaid invoice in the shop as the case asked."""
    case = case_or_404(request, reference)
    reduction = get_object_or_404(InvoiceReduction, pk=pk, case=case)
    try:
        refunds.invoice_reduction_done(reduction=reduction, actor=request.user)
    except Conflict as exc:
        return after_action(request, case, error=exc.message)
    return after_action(request, case)


@login_required
@permission_required("cases.change_outboundcall", raise_exception=True)
@require_POST
def outbound_retry_view(request, reference, pk):
    """Send a failed call to its provider again, with the same idempotency key; a worker sends it."""
    case = case_or_404(request, reference)
    call = get_object_or_404(OutboundCall, pk=pk, case=case)
    try:
        outbound.outbound_retry(call=call, actor=request.user)
    except Conflict as exc:
        return after_action(request, case, error=exc.message)
    except ValidationError as exc:
        return after_action(request, case, error=errors_text(exc))
    return after_action(request, case)


@login_required
@permission_required("decisions.add_decisionrecord", raise_exception=True)
@require_POST
def decide_view(request, reference):
    """Ask the matrix again: evidence changes (a scan, a signature) and owners change thresholds."""
    case = case_or_404(request, reference)
    claim = getattr(case, "claim", None)
    if claim is None or not case.is_open:
        return after_action(request, case, error=_("Only open claims get a recommendation."))
    claims.claim_recheck(claim=claim, actor=request.user)
    return after_action(request, case)
