"""Stripe webhooks: `charge.dispute.*` open or update a chargeback case; `refund.*` and
`charge.refunded` move the refunds Postsale sent (`stripe_refunds`) on; `payment_intent.succeeded`
and `charge.succeeded` clear the payment they name (a held order ships).

Signature: `Stripe-Signature: t=<unix time>,v1=<hex>[,v1=…]`; each v1 is the
HMAC-SHA256 of "<t>.<raw body>" keyed with the endpoint's signing secret
(whsec_…). Like Stripe's libraries we refuse a timestamp older than 300 s, so
a captured delivery cannot be replayed later, and unlike them one more than a
few seconds in the future (`check_signed_time`). Duplicates: the Event `id`
(evt_…) in the signed body; a replay with more or other `v1=` entries in the
header is the same event.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

from ..services import disputes, order_sync
from ..services import refunds as refunds_service
from . import Ignored, MalformedBody, SignatureInvalid, check_signed_time, header, parse_datetime, require

SIGNATURE_HEADER = "Stripe-Signature"
KEPT_HEADERS = (SIGNATURE_HEADER,)
DISPUTE_TOPICS = {
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
}
REFUND_TOPICS = {"refund.created", "refund.updated", "refund.failed", "charge.refunded"}
PAYMENT_TOPICS = {"payment_intent.succeeded", "charge.succeeded"}
# Stripe amounts are in the currency's smallest unit; these have none below the unit.
# A dispute's final statuses (https://docs.stripe.com/api/disputes/object#dispute_object-status):
# an inquiry closed without a chargeback costs nothing, like a won dispute.
DISPUTE_OUTCOMES = {"won": "won", "warning_closed": "won", "lost": "lost"}
ZERO_DECIMAL = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
}  # fmt: skip


def verify(body: bytes, headers, integration, *, now: float | None = None) -> None:
    given = header(headers, SIGNATURE_HEADER)
    if not given or not integration.signing_secret:
        raise SignatureInvalid(f"Missing {SIGNATURE_HEADER}.")
    timestamp, signatures = None, []
    for part in given.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if not timestamp or not timestamp.isdigit() or not signatures:
        raise SignatureInvalid(f"{SIGNATURE_HEADER} has no timestamp or no v1 signature.")
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(integration.signing_secret.encode(), signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise SignatureInvalid(f"No v1 signature in {SIGNATURE_HEADER} matches the body.")
    check_signed_time(int(timestamp), what=f"The timestamp t= in {SIGNATURE_HEADER}", now=now)


def identify(payload: dict, headers, body: bytes = b"") -> tuple[str, str]:
    require(payload, "id", "type")
    if not isinstance((payload.get("data") or {}).get("object"), dict):
        raise MalformedBody("Missing data.object.")
    return str(payload["id"]), str(payload["type"])


def amount(minor: int | None, currency: str) -> Decimal | None:
    if minor is None:
        return None
    if currency.lower() in ZERO_DECIMAL:
        return Decimal(minor).quantize(Decimal("0.01"))
    return (Decimal(minor) / 100).quantize(Decimal("0.01"))


def process(event, payload: dict) -> str:
    if event.topic in REFUND_TOPICS:
        return _refunds(event, payload["data"]["object"])
    if event.topic in PAYMENT_TOPICS:
        return _payment(event, payload)
    if event.topic not in DISPUTE_TOPICS:
        raise Ignored(f"Event {event.topic} is not used by Postsale.")
    dispute = payload["data"]["object"]
    require(dispute, "id")
    currency = str(dispute.get("currency") or "")
    # A dispute names the charge and, for newer integrations, the PaymentIntent;
    # either may be what the shop stored as the payment's reference.
    references = [str(ref) for ref in (dispute.get("charge"), dispute.get("payment_intent")) if ref]
    due_by = (dispute.get("evidence_details") or {}).get("due_by")
    outcome = disputes.dispute_record(
        integration=event.integration,
        provider="stripe",
        dispute_id=str(dispute["id"]),
        payment_references=references,
        reason=str(dispute.get("reason") or ""),
        amount=amount(dispute.get("amount"), currency),
        respond_by=parse_datetime(due_by) if due_by else None,
        status=str(dispute.get("status") or ""),
        topic=event.topic,
        # The dispute object has no update time; the Event's `created` orders its events.
        source_updated_at=parse_datetime(payload.get("created")),
        outcome=DISPUTE_OUTCOMES.get(str(dispute.get("status") or ""), ""),
        fee=dispute_fee(dispute, currency),
    )
    return outcome


def dispute_fee(dispute: dict, currency: str) -> Decimal | None:
    """Stripe's dispute fee, from the balance transactions the dispute lists (in the dispute's currency).

    Withdrawing the disputed amount carries the fee; a won dispute's reinstatement may give
    it back as a negative fee, so the sum is what the shop paid in the end.
    """
    fees = [
        bt.get("fee")
        for bt in dispute.get("balance_transactions") or []
        if isinstance(bt, dict)
        and isinstance(bt.get("fee"), int)
        and str(bt.get("currency") or currency).lower() == currency.lower()
    ]
    if not fees:
        return None
    return amount(max(sum(fees), 0), currency)


def _refunds(event, obj: dict) -> str:
    """A refund object (refund.*), or a charge with the refunds it lists (charge.refunded)."""
    if obj.get("object") == "charge":
        listed = (obj.get("refunds") or {}).get("data") or []
        refunds = [refund for refund in listed if isinstance(refund, dict)]
    else:
        refunds = [obj]
    outcomes = [
        refunds_service.stripe_refund_update(
            integration=event.integration,
            refund_id=str(refund.get("id") or ""),
            status=str(refund.get("status") or ""),
            metadata=refund.get("metadata") or {},
            message=str(refund.get("failure_reason") or ""),
        )
        for refund in refunds
    ]
    if not any(outcomes):
        raise Ignored("No refund that Postsale sent.")
    return "refund updated"


def _payment(event, payload: dict) -> str:
    """A payment intent or a charge succeeded: the shop may have stored either id (or both)."""
    obj = payload["data"]["object"]
    references = [str(ref) for ref in (obj.get("id"), obj.get("payment_intent"), obj.get("latest_charge")) if ref]
    return order_sync.payment_cleared(
        integration=event.integration,
        references=references,
        cleared_at=parse_datetime(payload.get("created")) or parse_datetime(obj.get("created")),
    )
