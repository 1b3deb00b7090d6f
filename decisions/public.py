"""What the apps above decisions (claims) use of it: ask the matrix, keep its answer, override it."""

from decimal import Decimal

from orders.models import Shop

from .engine import Decision, DecisionInput
from .selectors import latest_decision
from .services import active_matrix, evaluate, override_decision, record_decision

__all__ = [
    "Decision",
    "DecisionInput",
    "auto_apply_limit",
    "evaluate",
    "latest_decision",
    "override_decision",
    "record_decision",
]


def auto_apply_limit(shop: Shop) -> Decimal:
    """Up to what amount a decision of the shop's matrix may apply itself, without an agent."""
    return active_matrix(shop).auto_apply_limit
