"""Refunds through Stripe: the gateway that sends them, and the one request that makes one.

`POST /v1/refunds` (form-encoded) on the payment intent (`pi_…`) or the charge
(`ch_…`) the shop sent as the payment's reference, the amount in the currency's
smallest unit, `Authorization: Bearer <secret or restricted key>` and the call's
`Idempotency-Key`: Stripe keeps the first answer to a key for 24 hours and gives
it again to a repeat, so a retried call never refunds twice. The refund's id
(`re_…`) and status come back in the answer; `refund.updated` and
`charge.refunded` webhooks (`providers.stripe`) say when the money has gone.
"""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal

from cases.gateways import GatewayResult, refunded_payment
from cases.models import OutboundCall, Refund, RefundStatus
from cases.outbound import Answer, Refused, outbound_enqueue
from config.errors import Conflict
from orders.models import Payment, PaymentMethod

from ..models import Integration, Source
from ..outbound import request
from .stripe import ZERO_DECIMAL

# Stripe wants these in thousandths, rounded to tens (https://docs.stripe.com/currencies#three-decimal).
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
STRIPE_REFERENCES = ("pi_", "ch_")


def minor_units(amount: Decimal, currency: str) -> int:
    """An amount as Stripe counts it: cents for EUR and SEK, whole yen for JPY."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if code in THREE_DECIMAL:
        return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)) * 10
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def stripe_integration(shop_id: int) -> Integration | None:
    return Integration.objects.filter(shop_id=shop_id, source=Source.STRIPE, active=True).first()


class StripeGateway:
    name = "stripe"

    def recognises(self, payment: Payment) -> bool:
        return (
            payment.method == PaymentMethod.CARD
            and payment.reference.startswith(STRIPE_REFERENCES)
            and stripe_integration(payment.order.shop_id) is not None
        )

    def submit(self, refund: Refund) -> GatewayResult:
        payment = refunded_payment(refund.order)
        outbound_enqueue(
            shop_id=refund.order.shop_id,
            case=refund.case,
            refund=refund,
            kind="refund.create",
            provider=self.name,
            # Fixed now and sent with every attempt; the random part keeps two databases
            # (a restored backup, a test run) from ever sharing a key at one Stripe account.
            idempotency_key=f"postsale-refund-{refund.pk}-{secrets.token_hex(8)}",
            payload={"payment": payment.reference if payment else ""},
        )
        return GatewayResult(status=RefundStatus.SUBMITTED)

    def confirm(self, refund: Refund, reference: str) -> GatewayResult:
        raise Conflict("Stripe confirms its refunds itself.", code="invalid_transition")


def send_refund(call: OutboundCall) -> Answer:
    integration = stripe_integration(call.shop_id)
    api_key = integration.carrier_api_key if integration else ""
    if not api_key:
        raise Refused("The shop's Stripe integration has no API key (configure_integration --api-key).")
    refund = Refund.objects.select_related("case").get(pk=call.refund_id)
    reference = str(call.payload.get("payment") or "")
    if not reference.startswith(STRIPE_REFERENCES):
        raise Refused(f"The payment's reference {reference!r} is not a Stripe payment intent or charge.")
    form = {
        "payment_intent" if reference.startswith("pi_") else "charge": reference,
        "amount": minor_units(refund.amount, refund.currency),
        "reason": "requested_by_customer",
        "metadata[postsale_refund_id]": refund.pk,
        "metadata[postsale_case]": refund.case.reference,
    }
    return request(
        "POST",
        f"{integration.base_url}/v1/refunds",
        form=form,
        headers={"Authorization": f"Bearer {api_key}", "Idempotency-Key": call.idempotency_key},
    )
