"""The words every layer above the kernel shares: what kind of problem a claim is, and what can be done.

One `Action` list serves the decision matrix (what a rule recommends), the
agent (what they choose instead) and the resolution (what was done). The named
groups below say which part of the list each of them uses, so a new action is
added in one place and every check that asks "does this pay the buyer?" sees it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimType(models.TextChoices):
    LOST_IN_TRANSIT = "lost_in_transit", _("Lost in transit")
    DELIVERED_NOT_RECEIVED = "delivered_not_received", _("Delivered but not received")
    DAMAGED = "damaged", _("Damaged")
    MISSING_ITEMS = "missing_items", _("Missing items")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    PERSONALISATION_ERROR = "personalisation_error", _("Personalisation error")
    LATE_FOR_NEEDED_BY = "late_for_needed_by", _("Late for a needed-by date")
    CHARGEBACK = "chargeback", _("Chargeback / A-to-z dispute")
    PAYMENT_REVIEW = "payment_review", _("Payment review")


class Action(models.TextChoices):
    REFUND = "refund", _("Refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    RESHIP = "reship", _("Replacement")
    RESHIP_WITH_RETURN_LABEL = "reship_with_return_label", _("Replacement with return label")
    REMAKE = "remake", _("Remake")
    REQUEST_INFO = "request_info", _("Ask the buyer for information")
    CARRIER_CLAIM = "carrier_claim", _("File a carrier claim")
    ESCALATE = "escalate", _("Escalate to owner")
    DENY = "deny", _("Decline")
    HOLD_ORDER = "hold_order", _("Hold the order")
    CANCEL_ORDER = "cancel_order", _("Cancel the order")
    # Only an agent gives store credit: no rule recommends it.
    STORE_CREDIT = "store_credit", _("Store credit")


A = Action

# Money goes back to the buyer: each is checked against the agent's refund limit.
MONEY_BACK = (A.REFUND, A.PARTIAL_REFUND, A.STORE_CREDIT)
# Money goes back to what the buyer paid with, so it can never exceed what is left to refund.
TO_ORIGINAL_PAYMENT = (A.REFUND, A.PARTIAL_REFUND)
# Goods go out again; the shop carries their cost.
REPLACEMENTS = (A.RESHIP, A.RESHIP_WITH_RETURN_LABEL, A.REMAKE)
# The case moves on but does not end.
WAITING = (A.REQUEST_INFO, A.CARRIER_CLAIM, A.HOLD_ORDER)
# What a rule of the decision matrix may recommend.
RULE_ACTIONS = tuple(action for action in A if action != A.STORE_CREDIT)
# What a resolution records as done for the buyer.
RESOLUTIONS = (*TO_ORIGINAL_PAYMENT, *REPLACEMENTS, A.STORE_CREDIT, A.DENY, A.ESCALATE, A.CANCEL_ORDER)


# A refund held for an owner is one of MONEY_BACK, or the refund a return's inspection found due,
# or the goods an exchange would send (they count against the limit at list price).
RETURN_REFUND = "return_refund"
RETURN_EXCHANGE = "return_exchange"
HELD_REFUND_LABELS = {RETURN_REFUND: _("Refund for a return"), RETURN_EXCHANGE: _("Exchange for a return")}


def choices_of(actions) -> list[tuple[str, str]]:
    return [(action.value, action.label) for action in actions]
