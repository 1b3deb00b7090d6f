"""What a payment provider's webhook says about a refund Postsale sent it."""

from __future__ import annotations

from cases.models import Refund
from cases.refunds import refund_provider_update


def stripe_refund_update(
    *, integration, refund_id: str, status: str, metadata: dict, message: str = ""
) -> bool:
    """Move our refund as Stripe's moved; False when it is none of this shop's refunds through Stripe.

    Found by the `re_…` id stored from the answer, or by the id Postsale put into the
    metadata when the webhook comes before the answer was stored. Either way only
    among the integration's own shop's refunds: another shop's webhook secret cannot
    move them.
    """
    mine = Refund.objects.filter(order__shop_id=integration.shop_id, gateway="stripe")
    refund = mine.filter(gateway_reference=refund_id).first() if refund_id else None
    ours = str(metadata.get("postsale_refund_id") or "")
    if refund is None and ours.isdigit():
        refund = mine.filter(pk=int(ours), gateway_reference__in=["", refund_id]).first()
    if refund is None:
        return False
    refund_provider_update(refund_id=refund.pk, state=status, reference=refund_id, message=message)
    return True


def paypal_refund_update(*, integration, refund_id: str, status: str, custom_id: str) -> bool:
    """PayPal's `PAYMENT.CAPTURE.REFUNDED`: found by the refund's id, or by the `custom_id` Postsale sent
    (`postsale:<id>`) when the webhook beats the stored answer; only among this shop's PayPal refunds."""
    from ..providers.shop_refunds import PAYPAL_STATES

    mine = Refund.objects.filter(order__shop_id=integration.shop_id, gateway="paypal")
    refund = mine.filter(gateway_reference=refund_id).first() if refund_id else None
    ours = custom_id.removeprefix("postsale:") if custom_id.startswith("postsale:") else ""
    if refund is None and ours.isdigit():
        refund = mine.filter(pk=int(ours), gateway_reference__in=["", refund_id]).first()
    if refund is None:
        return False
    state = PAYPAL_STATES.get(status.upper(), "")
    refund_provider_update(refund_id=refund.pk, state=state, reference=refund_id)
    return True
