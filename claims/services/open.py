"""Opening a claim: the case, the affected lines and photos, the evidence, who is told, the recommendation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import ClaimType
from cases.events import batched_events, case_event
from cases.linking import case_link_order
from cases.models import Case, CaseKind, OpenedVia
from cases.search import case_reindex
from cases.services import OrderLock, case_buyer_wrote, case_open, case_set_preview, lock_order_for_case
from cases.sla import case_sla_refresh
from cases.uploads import validate_photos
from cases.verbs import Verb
from config.queries import fetch_shaped, prefetched
from messaging.public import BuyerEvent, OwnerEvent, notify_buyer, notify_owners
from orders.models import Order, OrderLine, Payment, Shipment

from ..evidence import compute_evidence
from ..models import Claim, ClaimLine
from .decide import claim_decide
from .photos import save_photos
from .playbook import photos_arrived, tick_steps_for

# Where the buyer writes the statement themselves (elsewhere an agent or a shop system notes it down).
BUYER_CHANNELS = (OpenedVia.PORTAL, OpenedVia.EMAIL)
# Claim types about particular goods: the buyer must say which lines.
NEEDS_LINES = {ClaimType.MISSING_ITEMS}
# How owners know the payment providers (the stored value is our source code).
PROVIDER_NAMES = {"stripe": "Stripe", "paypal": "PayPal", "amazon": "Amazon", "klarna": "Klarna"}


@dataclass(frozen=True)
class LineIn:
    order_line: OrderLine
    quantity: int


@dataclass(frozen=True)
class DisputeIn:
    provider: str
    reference: str = ""
    reason: str = ""
    amount: Decimal | None = None
    respond_by: datetime | None = None


def claim_open(
    *,
    order: Order,
    type: str,
    opened_via: str,
    lines: list[LineIn] = (),
    statement: str = "",
    photos=(),
    actor=None,
    shipment: Shipment | None = None,
    dispute: DisputeIn | None = None,
    decide: bool = True,
    enquiry: Case | None = None,
    lock: OrderLock | None = None,
    rows: dict[str, list] | None = None,
) -> Claim:
    """Open a claim on an order: the case, its evidence and the recommended decision.

    A fixed number of queries whatever the order holds (about a dozen; tests/claims/
    test_open_queries.py): the parcels are read once for the search text and the claim,
    the evidence is computed before the claim is written (one INSERT, no UPDATE after),
    and the timeline's events go in with one INSERT at the end.

    With `enquiry`, that enquiry becomes the claim's case (linked to the order), keeping its
    reference, timeline and conversation, instead of a new case being opened. `lock`: the
    caller locked the order already (`lock_order_for_case`, inside the same transaction), and
    `rows`: it fetched `claim_reads` after the lock (with a question of its own, in one round trip).
    """
    checked_photos = _check(order=order, type=type, lines=lines, photos=photos, dispute=dispute)
    # Checked before the transaction: a refused claim writes nothing and leaves a caller's
    # transaction usable. No savepoint inside a caller's transaction (the portal's, a sweep's):
    # each of them lets a failure end its whole transaction, and a savepoint is two round trips.
    with transaction.atomic(savepoint=False):
        # Claims on one order open one after the other: the evidence of the second sees the first's
        # resolution, and only one of them gets an automatic decision.
        case_id = (lock or lock_order_for_case(order)).case_id
        rows = rows or fetch_shaped("claim_reads", claim_reads, order=order.pk)
        parcels = rows["parcels"]
        prefetched(order, "payments", rows["payments"])  # for the evidence
        with batched_events():
            if enquiry is not None:
                case = case_link_order(
                    case=enquiry,
                    order=order,
                    actor=actor,
                    kind=CaseKind.CLAIM,
                    subject=ClaimType(type).label,
                    claim_type=type,
                )
                case_sla_refresh(case, kind=type)  # the claim's own targets, before its row exists
            else:
                case = case_open(
                    kind=CaseKind.CLAIM,
                    shop=order.shop,
                    order=order,
                    opened_via=opened_via,
                    subject=ClaimType(type).label,
                    actor=actor,
                    # Disputes are answered by the provider's deadline (`cases.sla` keeps a day's margin).
                    respond_by=dispute.respond_by if dispute else None,
                    claim_type=type,
                    tracking_numbers=[parcel.tracking_number for parcel in reversed(parcels)],
                    case_id=case_id,
                    said=statement.strip(),
                    buyer_said=opened_via in BUYER_CHANNELS,
                )
            claim = Claim(
                case=case,
                type=type,
                statement=statement.strip(),
                shipment=shipment or (parcels[0] if parcels else None),
                dispute_provider=dispute.provider if dispute else "",
                dispute_reference=dispute.reference if dispute else "",
                dispute_reason=dispute.reason if dispute else "",
                dispute_amount=dispute.amount if dispute else None,
                respond_by=dispute.respond_by if dispute else None,
            )
            claimed = {line.order_line.pk: line.quantity for line in lines}
            claim.evidence = compute_evidence(
                claim, claimed=claimed, photos=len(checked_photos), new_case=enquiry is None
            )
            claim.evidence_computed_at = timezone.now()
            claim.save()
            if lines:
                ClaimLine.objects.bulk_create(
                    [
                        ClaimLine(claim=claim, order_line=line.order_line, quantity=line.quantity)
                        for line in lines
                    ]
                )
            if enquiry is not None:  # a new case took the statement as it opened
                if opened_via in BUYER_CHANNELS:
                    case_buyer_wrote(case, text=claim.statement)
                else:
                    # An agent's or a shop system's words for what the buyer said: the preview, not a message.
                    case_set_preview(case, claim.statement)
                case_reindex(case)
            save_photos(claim, checked_photos)
            case_event(
                case, Verb.CLAIM_OPENED, actor=actor, new=type, lines=len(lines), photos=len(checked_photos)
            )
            if checked_photos:
                photos_arrived(claim)
            _tell_claim_opened(claim)
            claim.decision_record = None
            if decide:
                claim_decide(claim=claim, actor=actor, auto_apply=True)
    return claim


def claim_reads(*, order: int) -> dict:
    """What opening a claim reads of the order once it holds the lock: its parcels (newest first) and payments."""
    return {
        "parcels": Shipment.objects.filter(order=order).select_related("carrier").order_by("-shipped_at", "-id"),
        "payments": Payment.objects.filter(order=order),
    }


def _check(*, order: Order, type: str, lines, photos, dispute: DisputeIn | None) -> list:
    """Every mistake in the claim at once, to be corrected in one go; returns the checked photos."""
    if type not in ClaimType.values:
        raise ValidationError({"type": [_("Unknown claim type %(value)s.") % {"value": repr(type)}]})
    errors = {}
    for index, line in enumerate(lines):
        if line.order_line.order_id != order.pk:
            errors[f"lines[{index}].position"] = [_("This line is not on the order.")]
        elif not 0 < line.quantity <= line.order_line.quantity:
            errors[f"lines[{index}].quantity"] = [
                _("Between 1 and %(max)s.") % {"max": line.order_line.quantity}
            ]
    if type in NEEDS_LINES and not lines:
        errors["lines"] = [_("Say which items are missing and how many.")]
    if type == ClaimType.CHARGEBACK and not dispute:
        errors["dispute"] = [_("A chargeback needs the provider and the respond-by date.")]
    checked_photos = []
    if photos:
        try:
            checked_photos = validate_photos(photos)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return checked_photos


def _tell_claim_opened(claim: Claim) -> None:
    """Who hears of a new claim: the buyer (acknowledged, or told of a delay we found), owners of disputes."""
    case = claim.case
    if claim.type == ClaimType.CHARGEBACK:
        notify_owners(
            case=case,
            event=OwnerEvent.OWNER_DISPUTE,
            context={
                "provider": PROVIDER_NAMES.get(claim.dispute_provider, claim.dispute_provider),
                "reason": claim.dispute_reason,
                "amount": str(claim.dispute_amount or ""),
                "currency": case.order.currency if case.order_id else case.currency,
                "respond_by": claim.respond_by.isoformat() if claim.respond_by else "",
            },
        )
    elif claim.type == ClaimType.PAYMENT_REVIEW:
        return  # an internal check: the agent writes to the buyer if the order must change
    elif case.opened_via == OpenedVia.AUTOMATIC and claim.type == ClaimType.LOST_IN_TRANSIT:
        notify_buyer(case=case, event=BuyerEvent.SHIPMENT_DELAYED, new_case=True)
    else:
        notify_buyer(case=case, event=BuyerEvent.CLAIM_RECEIVED, new_case=True)
        tick_steps_for(claim, BuyerEvent.CLAIM_RECEIVED, new_claim=True)
