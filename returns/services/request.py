"""A return is asked for, then approved (with its label, or a refund when the goods stay) or rejected."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.linking import case_link_order
from cases.models import Case, CaseKind
from cases.services import case_add_search_terms, case_open
from cases.verbs import Reason, SystemReason, Verb, because
from messaging.public import BuyerEvent
from orders.models import Order

from .. import eligibility
from ..eligibility import LineIn
from ..models import (
    Resolution,
    ReturnLine,
    ReturnMethod,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from . import label
from .machine import lock_return, move_return, notify, refused_step
from .policy import label_expires_at, policy_for
from .refund import CENT, held_for_owner, pay_out_kept, refundable_part

R = ReturnStatus


@transaction.atomic
def return_request(
    *,
    order: Order,
    lines: list[LineIn],
    method: str,
    resolution: str,
    opened_via: str,
    actor=None,
    outside_policy: bool = False,
    issue_label: bool = True,
    enquiry: Case | None = None,
) -> ReturnRequest:
    """Open a return on an order: the case, the request and its lines.

    With `enquiry`, that enquiry becomes the return's case (linked to the order), keeping its
    reference, timeline and conversation.

    Within the shop's policy it is approved at once and the label is issued;
    outside it (window passed, personalised goods...) it is refused, unless
    `outside_policy` is set by an agent, and then waits for an agent's approval.
    """
    # The order row is the lock for "how much of this line is left to return":
    # two requests for the same socks one after the other, never both at once.
    order = Order.objects.select_for_update().select_related("shop", "buyer").get(pk=order.pk)
    policy = policy_for(order.shop)
    _check_choices(lines=lines, method=method, resolution=resolution)
    result = eligibility.check(order=order, lines=lines, policy=policy, method=method, resolution=resolution)
    if result.errors:
        raise ValidationError(result.errors)
    if result.exceptions and not outside_policy:
        refused: dict[str, list[str]] = {}
        for exception in result.exceptions:
            refused.setdefault(exception["field"], []).append(exception["message"])
        raise ValidationError(refused)

    value = sum((line.order_line.unit_price * line.quantity for line in lines), start=Decimal("0"))
    keep_item = (
        resolution == Resolution.REFUND and policy.keep_item_below > 0 and value < policy.keep_item_below
    )
    units = sum(line.quantity for line in lines)
    subject = f"Return of {units} item{'s' if units != 1 else ''}"
    if enquiry is not None:
        case = case_link_order(case=enquiry, order=order, actor=actor, kind=CaseKind.RETURN, subject=subject)
    else:
        case = case_open(
            kind=CaseKind.RETURN,
            shop=order.shop,
            order=order,
            opened_via=opened_via,
            subject=subject,
            actor=actor,
        )
    request = ReturnRequest.objects.create(
        case=case,
        # A placeholder until the id is known, like the case reference.
        rma=f"tmp-{uuid.uuid4().hex[:16]}",
        order=order,
        method=method,
        resolution=resolution,
        terms=policy.terms(),
        policy_exceptions=result.exceptions,
        keep_item=keep_item,
    )
    request.rma = f"R-{request.created_at:%Y}-{request.pk:06d}"
    ReturnRequest.objects.filter(pk=request.pk).update(rma=request.rma)
    # Agents search the queue by RMA, as buyers quote it.
    case_add_search_terms(case, request.rma)
    ReturnLine.objects.bulk_create(
        [
            ReturnLine(
                request=request, order_line=line.order_line, quantity=line.quantity, reason=line.reason
            )
            for line in lines
        ]
    )
    case_event(
        case,
        Verb.RETURN_REQUESTED,
        actor=actor,
        new=R.REQUESTED,
        rma=request.rma,
        method=method,
        resolution=resolution,
        units=units,
        outside_policy=[e["code"] for e in result.exceptions],
        keep_item=keep_item,
    )
    notify(
        request,
        BuyerEvent.RETURN_REQUESTED,
        method=method,
        resolution=resolution,
        units=units,
        keep_item=keep_item,
    )
    if not result.exceptions:
        # Approved by the policy, not a person; a refund it makes (the buyer keeps the goods) is
        # still checked against the limit of the agent who asked for the return.
        _approve(
            request,
            policy,
            actor=None,
            refunder=actor,
            reason=because(Reason.WITHIN_POLICY),
            with_label=issue_label,
        )
    return request


def _check_choices(*, lines: list[LineIn], method: str, resolution: str) -> None:
    """Refuse a method, resolution or reason the return does not know, all of them at once."""
    errors: dict[str, list[ValidationError]] = {}
    if method not in ReturnMethod.values:
        errors["method"] = [
            ValidationError(
                _("Unknown method '%(method)s'."), code="invalid_choice", params={"method": method}
            )
        ]
    if resolution not in Resolution.values:
        errors["resolution"] = [
            ValidationError(
                _("Unknown resolution '%(resolution)s'."),
                code="invalid_choice",
                params={"resolution": resolution},
            )
        ]
    for index, line in enumerate(lines):
        if line.reason not in ReturnReason.values:
            errors[f"lines[{index}].reason"] = [
                ValidationError(
                    _("Unknown reason '%(reason)s'."), code="invalid_choice", params={"reason": line.reason}
                )
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def return_approve(*, rma: str, actor, reason: str = "", issue_label: bool = True) -> ReturnRequest:
    """An agent approves a request outside the policy (goodwill)."""
    request = lock_return(rma)
    if request.status != R.REQUESTED:
        raise refused_step(request, _("Return %(rma)s is %(status)s; only requests can be approved."))
    _approve(
        request,
        policy_for(request.order.shop),
        actor=actor,
        refunder=actor,
        reason=reason,
        with_label=issue_label,
    )
    return request


def _approve(
    request: ReturnRequest,
    policy: ReturnPolicy,
    *,
    actor,
    refunder,
    reason: str | SystemReason,
    with_label: bool,
) -> None:
    now = timezone.now()
    request.approved_at = now
    fields = ["approved_at"]
    if not request.keep_item:
        # Nothing is sent back when the buyer keeps the goods: no label to lapse.
        request.expires_at = label_expires_at(request, policy, start=now)
        fields.append("expires_at")
    move_return(request, R.APPROVED, actor=actor, reason=reason, fields=fields)
    if request.keep_item:
        _refund_keep_item(request, actor=refunder)
    elif with_label:
        label.issue_label(request, policy, actor=actor)


def _refund_keep_item(request: ReturnRequest, *, actor) -> None:
    """Below the keep-the-item value the parcel costs more than the goods: refund, nothing comes back.

    Like any refund, it waits for an owner when it would take what the order
    gave back above the agent's limit: one keep-the-item return per unit must
    not add up to more than an agent may give.
    """
    lines = list(request.lines.select_related("order_line"))
    goods = sum((line.order_line.unit_price * line.quantity for line in lines), start=Decimal("0")).quantize(
        CENT
    )
    request.goods_value, request.restocking_fee, request.return_fee = goods, Decimal("0"), Decimal("0")
    request.save(update_fields=["goods_value", "restocking_fee", "return_fee", "updated_at"])
    amount = refundable_part(request, goods, actor=actor)
    if not held_for_owner(request, amount, actor=actor):
        pay_out_kept(request, amount, actor=actor)


@transaction.atomic
def return_reject(*, rma: str, actor, reason: str, buyer_message: str = "") -> ReturnRequest:
    """An agent declines a request: the reason stays internal, the buyer reads `buyer_message`
    (or the shop's standard text when the agent wrote none)."""
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError(_("Say why the return is rejected."), code="required")}
        )
    request = lock_return(rma)
    if request.status != R.REQUESTED:
        raise refused_step(
            request, _("Return %(rma)s is %(status)s; only requests can be rejected before inspection.")
        )
    request.reject_reason = reason.strip()[:300]
    move_return(request, R.REJECTED, actor=actor, reason=request.reject_reason, fields=["reject_reason"])
    buyer_message = buyer_message.strip()
    notify(
        request,
        BuyerEvent.RETURN_DECLINED,
        author=actor if buyer_message else None,
        **({"buyer_message": buyer_message} if buyer_message else {}),
    )
    return request
