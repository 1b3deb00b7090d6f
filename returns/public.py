"""What the apps above returns (claims, integrations, the desk) use of it, and nothing more."""

from django.db.models import Q, QuerySet

from orders.models import Shop

from .models import ReturnReason, ReturnRequest
from .selectors import policy_or_default
from .services.claim_return import return_for_claim

__all__ = [
    "ReturnReason",
    "refund_processing_days",
    "return_for_claim",
    "settled_returns",
    "shop_address_lines",
]


def refund_processing_days(shop: Shop) -> int:
    """Business days the shop's payment system takes to pay a refund out, as its return policy says."""
    return policy_or_default(shop).refund_processing_days


def settled_returns(order_id: int) -> int:
    """How many returns of the order sent the buyer money or goods: refunded, or exchanged."""
    return settled_returns_of(order_id).count()


def settled_returns_of(order_id: int) -> QuerySet[ReturnRequest]:
    """The returns `settled_returns` counts, for a caller that counts several things in one query."""
    return ReturnRequest.objects.filter(
        Q(refund__isnull=False) | Q(exchange_order__isnull=False), order_id=order_id
    )


def shop_address_lines(shop: Shop) -> list[str]:
    """Where the shop's goods go back to, as its return policy says; the shop's name alone without one."""
    policy = policy_or_default(shop)
    return policy.return_address_lines if policy.has_return_address else [shop.name]
