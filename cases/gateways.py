"""Where refund money actually moves: a small interface in front of the shop's payment system.

The first gateway is "manual": Postsale records the refund as pending and an
agent confirms once the money has left the shop's payment system (PayPal,
the bank, the card acquirer). A gateway that talks to a provider's API
implements the same calls: its `submit` writes an outbound call
(`cases.outbound`) in the refund's transaction, and the provider's answer and
webhooks move the refund on (`cases.refunds.refund_provider_update`). Those
gateways live with their provider in the integrations app, which adds them to
`GATEWAYS` when it starts; the kernel never imports it.

Which gateway a refund takes is read from the order's payment
(`gateway_for_order`): the provider the shop named, else the first gateway that
recognises the payment (an order that came from a shop system by its link there,
a Stripe card payment by its `pi_…`/`ch_…` reference, a PayPal payment), else
manual. A named provider whose gateway is not ready for the payment (no API
credentials) is manual too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from orders.models import Order, Payment, PaymentStatus

from .models import Refund, RefundStatus


@dataclass(frozen=True)
class GatewayResult:
    status: str  # a RefundStatus value
    reference: str = ""


class RefundGateway(Protocol):
    name: str

    def recognises(self, payment: Payment) -> bool:
        """A payment without a named provider that this gateway can refund (its reference, the shop's setup)."""

    def submit(self, refund: Refund) -> GatewayResult:
        """Ask the payment system to pay the refund out; called once per refund, after it is stored."""

    def confirm(self, refund: Refund, reference: str) -> GatewayResult:
        """Record that the money left (manual), or read the provider's answer."""


class ManualGateway:
    name = "manual"

    def recognises(self, payment: Payment) -> bool:
        return False

    def submit(self, refund: Refund) -> GatewayResult:
        # Nothing to call: the refund waits until an agent has paid it out by hand.
        return GatewayResult(status=RefundStatus.PENDING)

    def confirm(self, refund: Refund, reference: str) -> GatewayResult:
        return GatewayResult(status=RefundStatus.COMPLETED, reference=reference)


GATEWAYS: dict[str, RefundGateway] = {ManualGateway.name: ManualGateway()}


def gateway_for(name: str) -> RefundGateway:
    return GATEWAYS[name]


def register_gateway(gateway: RefundGateway) -> None:
    GATEWAYS[gateway.name] = gateway


def refunded_payment(order: Order) -> Payment | None:
    """The payment a refund goes back to: the largest one paid, the first of equals."""
    return (
        Payment.objects.filter(order=order, status=PaymentStatus.PAID)
        .select_related("order")
        .order_by("-amount", "created_at", "id")
        .first()
    )


def gateway_for_order(order: Order) -> RefundGateway:
    payment = refunded_payment(order)
    if payment is None:
        return GATEWAYS["manual"]
    if payment.provider:
        # A provider Postsale cannot refund through (Klarna, or one the shop gave no API credentials) is
        # paid out by hand.
        gateway = GATEWAYS.get(payment.provider)
        ready = getattr(gateway, "ready_for", None)
        if gateway is None or (ready is not None and not ready(payment)):
            return GATEWAYS["manual"]
        return gateway
    for gateway in GATEWAYS.values():
        if gateway.recognises(payment):
            return gateway
    return GATEWAYS["manual"]


# Store credit is booked in Postsale unless the order came from a shop system that can hold it: a
# Shopify gift card, a WooCommerce coupon. Those gateways are added by the integrations app too.
CREDIT_GATEWAYS: list = []


def register_credit_gateway(gateway) -> None:
    """A gateway whose `takes(order)` says it makes the order's store credit in the shop itself."""
    CREDIT_GATEWAYS[:] = [g for g in CREDIT_GATEWAYS if g.name != gateway.name] + [gateway]


def credit_gateway_for_order(order: Order) -> RefundGateway:
    for gateway in CREDIT_GATEWAYS:
        if gateway.takes(order):
            return gateway
    return GATEWAYS["manual"]
