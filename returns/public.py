"""What the apps above returns (claims, integrations, the desk) use of it, and nothing more."""

from orders.models import Shop

from .selectors import policy_or_default


def refund_processing_days(shop: Shop) -> int:
    """Business days the shop's payment system takes to pay a refund out, as its return policy says."""
    return policy_or_default(shop).refund_processing_days
