"""The evidence an agent looks at before deciding, computed as a person would.

Stored on the claim as JSON (plain numbers and strings) so the desk shows it,
decisions read it and a dispute bundle can print it, all without recomputing.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.verbs import Verb
from config.queries import counts
from returns import public as returns

from .models import Resolution

# A parcel scale, a damp box and the carrier's own scale disagree a little.
WEIGHT_TOLERANCE_SHARE = 0.08
WEIGHT_TOLERANCE_MIN_G = 100

# The weight check's verdict in words, for papers that leave the desk (a carrier claim letter).
WEIGHT_VERDICTS = {
    "matches_complete_order": _("The parcel weighed what the complete order weighs."),
    "matches_claim": _("The parcel weighed less: the claim fits the weight."),
    "lighter_than_expected": _("Lighter than expected."),
    "heavier_than_expected": _("Heavier than expected."),
    "inconclusive": _("Inconclusive."),
    "unknown": _("No measured weight to compare."),
}


def weight_check(*, lines, claimed_missing: dict[int, int], packaging_g: int, measured_g: int | None) -> dict:
    """Compare the parcel's measured weight with what the order should weigh.

    Four dozen napkins at 1.2 lb a dozen cannot make a parcel over 5 lb if a
    dozen was missing. `claimed_missing` maps an
    order line id to the quantity the buyer says did not arrive.
    """
    goods_g = sum(line.unit_weight_g * line.quantity for line in lines)
    missing_g = sum(line.unit_weight_g * claimed_missing.get(line.pk, 0) for line in lines)
    result = {
        "goods_g": goods_g,
        "packaging_g": packaging_g,
        "expected_g": goods_g + packaging_g,
        "measured_g": measured_g,
        "claimed_missing_g": missing_g,
        "expected_if_claim_true_g": goods_g + packaging_g - missing_g,
        "tolerance_g": None,
        "verdict": "unknown",
        "consistent": None,
    }
    if measured_g is None or goods_g == 0:
        return result
    expected = goods_g + packaging_g
    tolerance = max(WEIGHT_TOLERANCE_MIN_G, round(expected * WEIGHT_TOLERANCE_SHARE))
    result["tolerance_g"] = tolerance
    off_full = abs(measured_g - expected)
    if missing_g:
        off_short = abs(measured_g - (expected - missing_g))
        if off_full <= tolerance and off_full < off_short:
            verdict = "matches_complete_order"
        elif off_short <= tolerance or measured_g < expected - tolerance:
            verdict = "matches_claim"
        else:
            verdict = "inconclusive"
    else:
        verdict = (
            "matches_complete_order"
            if off_full <= tolerance
            else ("lighter_than_expected" if measured_g < expected else "heavier_than_expected")
        )
    result["verdict"] = verdict
    # "consistent" answers the decision matrix: did the parcel weigh what the complete order weighs?
    result["consistent"] = {
        "matches_complete_order": True,
        "matches_claim": False,
        "lighter_than_expected": False,
    }.get(verdict)
    return result


def compute_evidence(
    claim, *, now=None, claimed: dict[int, int] | None = None, photos: int = 0, new_case: bool = False
) -> dict:
    """The claim's evidence; `claimed` ({order line id: quantity}) and `photos` (how many come with it)
    for a claim not saved yet; `new_case`: its case opens with it, so no photo came before."""
    now = now or timezone.now()
    case = claim.case
    order = case.order
    if order is None:
        return {}
    lines = list(order.lines.all())
    if claimed is None:
        claimed = {cl.order_line_id: cl.quantity for cl in claim.lines.all()}
    shipment = claim.shipment
    buyer = order.buyer
    payments = list(order.payments.all())

    since = now - timedelta(days=365)
    claims_in_year = type(claim).objects.filter(case__buyer=buyer, created_at__gte=since)
    history = counts(
        previous_claims=claims_in_year.exclude(pk=claim.pk),
        orders_in_year=buyer.orders.filter(placed_at__gte=since),
        # A buyer reporting the same order again after it was settled (three "wrong item" claims,
        # then "damaged") is not a new problem to settle automatically.
        resolutions=Resolution.objects.filter(case__order=order).exclude(case_id=case.pk),
        returns=returns.settled_returns_of(order.pk),
    )
    previous_claims = history["previous_claims"]
    orders_in_year = history["orders_in_year"]
    prior_resolutions = history["resolutions"] + history["returns"]

    evidence = {
        "order_value": str(order.total),
        "currency": order.currency,
        "weight": weight_check(
            lines=lines,
            claimed_missing=claimed,
            packaging_g=order.shop.packaging_allowance_g,
            measured_g=shipment.packed_weight_g if shipment else None,
        ),
        "shipment": None,
        "delivery_confirmed": False,
        "signature": False,
        "buyer": {
            "claims_last_365_days": previous_claims,
            "orders_last_365_days": orders_in_year,
            "claim_ratio": round(previous_claims / orders_in_year, 2) if orders_in_year else 0.0,
            "risk_flag": buyer.risk_flag,
            "risk_reason": buyer.risk_reason,
        },
        "personalisation": [
            {"position": line.position, "sku": line.sku, "title": line.title, "fields": line.personalisation}
            for line in lines
            if line.personalisation
        ],
        "needed_by": order.needed_by.isoformat() if order.needed_by else None,
        "days_until_needed": (order.needed_by - timezone.localdate(now)).days if order.needed_by else None,
        "payment": {
            # Codes, like every stored fact; the case page words them (desk_tags.payment_method_labels).
            "methods": sorted({p.method for p in payments}),
            "cleared": bool(payments) and all(p.cleared_at is not None for p in payments),
            "paid": str(sum((p.amount for p in payments if p.status == "paid"), start=0)),
        },
        "rush": order.is_rush,
        "prior_resolutions": prior_resolutions,
        # Uploaded with the claim or later in the portal, or attached to the buyer's e-mail.
        "photos_provided": bool(photos)
        or (claim.pk is not None and claim.photos.exists())
        or (not new_case and case.events.filter(verb=Verb.BUYER_SENT_PHOTOS).exists()),
    }
    if shipment:
        evidence["shipment"] = {
            "carrier": shipment.carrier.code,
            "tracking_number": shipment.tracking_number,
            "status": shipment.status,
            "shipped_at": shipment.shipped_at.isoformat() if shipment.shipped_at else None,
            "delivered_at": shipment.delivered_at.isoformat() if shipment.delivered_at else None,
            "delivery_location": shipment.delivery_location,
            "signed_by": shipment.signed_by,
            "signature_required": shipment.signature_required,
            "insured_value": str(shipment.insured_value) if shipment.insured_value is not None else None,
            "last_event_at": shipment.last_event_at.isoformat() if shipment.last_event_at else None,
        }
        evidence["delivery_confirmed"] = shipment.delivered_at is not None
        evidence["signature"] = bool(shipment.signed_by)
    return evidence
