"""What the apps above decisions (claims) use of it: ask the matrix, keep its answer, override it."""

from decimal import Decimal

from orders.models import Shop

from .defaults import reason_for_reader
from .engine import Decision, DecisionInput
from .selectors import auto_applied_on_order, latest_decision
from .services import active_matrix, evaluate, override_decision, record_decision

__all__ = [
    "Decision",
    "DecisionInput",
    "auto_applied_on_order",
    "auto_apply_limit",
    "auto_apply_max_claims",
    "evaluate",
    "latest_decision",
    "override_decision",
    "reason_for_reader",
    "record_decision",
]


def auto_apply_limit(shop: Shop) -> Decimal:
    """Up to what amount a decision of the shop's matrix may apply itself, without an agent."""
    return active_matrix(shop).auto_apply_limit


def auto_apply_max_claims(shop: Shop) -> int:
    """How many other claims in 365 days a buyer may have and still get automatic decisions."""
    return active_matrix(shop).auto_apply_max_claims
