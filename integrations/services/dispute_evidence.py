"""An agent's click sends a Stripe dispute's evidence: the facts from the order and the bundle PDF.

What is sent is fixed at the click and kept on the outbound call, so the case
shows exactly the fields and values Stripe received, and a retry sends the same.
The bundle PDF is drawn by the desk (it owns the bundle) when the worker sends;
the desk registers its drawer here (`register_bundle`), as the kernel's senders are.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.models import Case, CaseStatus, OutboundCall, OutboundStatus
from cases.outbound import outbound_enqueue
from cases.services import case_lock
from cases.verbs import Verb
from config.errors import Conflict

KIND = "dispute.evidence"
PROVIDER = "stripe"
# Stripe's dispute statuses in which it still takes evidence (https://docs.stripe.com/api/disputes/object#dispute_object-status).
OPEN_STATUSES = ("needs_response", "warning_needs_response")
CLOSED_STATUSES = ("won", "lost", "warning_closed")

_bundle: Callable[[Case], bytes] | None = None


def register_bundle(draw: Callable[[Case], bytes]) -> None:
    global _bundle
    _bundle = draw


def bundle_pdf(case: Case) -> bytes:
    if _bundle is None:
        raise RuntimeError("No evidence bundle drawer registered (the desk registers it when it loads).")
    return _bundle(case)


def last_dispute_status(case: Case) -> str:
    """The dispute's status as Stripe last reported it; "" when only its opening is known."""
    event = case.events.filter(verb=Verb.DISPUTE_UPDATED).order_by("-id").first()
    return event.new if event is not None else ""


def evidence_refusal(case: Case, *, now=None) -> str:
    """Why evidence cannot be sent for this case now; "" when it can."""
    claim = getattr(case, "claim", None)
    if claim is None or claim.dispute_provider != PROVIDER or not claim.dispute_reference:
        return _("This case is not a Stripe dispute.")
    if case.status == CaseStatus.CLOSED or last_dispute_status(case) in CLOSED_STATUSES:
        return _("The dispute is closed: Stripe takes no more evidence.")
    if claim.respond_by is None:
        return _("Stripe has not given a respond-by date for this dispute yet.")
    if claim.respond_by <= (now or timezone.now()):
        return _("The respond-by date has passed: Stripe takes no more evidence.")
    earlier = case.outbound_calls.filter(kind=KIND).exclude(status=OutboundStatus.FAILED)
    if earlier.exists():
        return _("The evidence has already been sent to Stripe.")
    return ""


def evidence_facts(case: Case) -> dict:
    """The `evidence[…]` fields Stripe gets, from the order and its first parcel."""
    order = case.order
    facts = {}
    if order is not None:
        shipment = order.shipments.select_related("carrier").order_by("shipped_at", "id").first()
        if shipment is not None:
            facts["shipping_carrier"] = shipment.carrier.name
            facts["shipping_tracking_number"] = shipment.tracking_number
            if shipment.shipped_at:
                facts["shipping_date"] = timezone.localdate(shipment.shipped_at).isoformat()
        facts["shipping_address"] = ", ".join(order.shipping_address_lines)
        if order.buyer_id:
            facts["customer_name"] = order.buyer.name
            facts["customer_email_address"] = order.buyer.email
        facts["product_description"] = "; ".join(
            f"{line.quantity} × {line.title}" for line in order.lines.all()
        )[:20000]
    return {name: value for name, value in facts.items() if value}


@transaction.atomic
def dispute_evidence_submit(*, case: Case, actor) -> OutboundCall:
    """Queue the evidence for Stripe; a worker uploads the bundle and submits it, never this request."""
    # Locked, so a double click queues one call: the second sees the first's row.
    case_lock(case)
    case = Case.objects.select_related("claim", "order__buyer").get(pk=case.pk)
    refusal = evidence_refusal(case)
    if refusal:
        raise Conflict(refusal, code="invalid_transition")
    claim = case.claim
    facts = evidence_facts(case)
    call = outbound_enqueue(
        shop_id=case.shop_id,
        case=case,
        kind=KIND,
        provider=PROVIDER,
        # The random part keeps two databases from ever sharing a key at one Stripe account.
        idempotency_key=f"postsale-dispute-{case.pk}-{secrets.token_hex(8)}",
        payload={
            "dispute": claim.dispute_reference,
            "evidence": facts,
            "submit": True,
            "by": actor.get_full_name() or actor.get_username(),
            "by_id": actor.pk,
            "files": {},
        },
    )
    case_event(
        case,
        Verb.DISPUTE_EVIDENCE_REQUESTED,
        actor=actor,
        new=claim.dispute_reference,
        call_id=call.pk,
        fields=sorted(facts),
    )
    return call
