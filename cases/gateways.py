"""Where refund money actually moves: a small interface in front of the shop's payment system.

The first gateway is "manual": Postsale records the refund as pending and an
agent confirms once the money has left the shop's payment system (PayPal,
the bank, the card acquirer). A gateway that talks to a provider's API
implements the same two calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .models import Refund, RefundStatus


@dataclass(frozen=True)
class GatewayResult:
    status: str  # a RefundStatus value
    reference: str = ""


class RefundGateway(Protocol):
    name: str

    def submit(self, refund: Refund) -> GatewayResult:
        """Ask the payment system to pay the refund out; called once per refund, after it is stored."""

    def confirm(self, refund: Refund, reference: str) -> GatewayResult:
        """Record that the money left (manual), or read the provider's answer."""


class ManualGateway:
    name = "manual"

    def submit(self, refund: Refund) -> GatewayResult:
        # Nothing to call: the refund waits until an agent has paid it out by hand.
        return GatewayResult(status=RefundStatus.PENDING)

    def confirm(self, refund: Refund, reference: str) -> GatewayResult:
        return GatewayResult(status=RefundStatus.COMPLETED, reference=reference)


GATEWAYS: dict[str, RefundGateway] = {ManualGateway.name: ManualGateway()}


def gateway_for(name: str) -> RefundGateway:
    return GATEWAYS[name]
