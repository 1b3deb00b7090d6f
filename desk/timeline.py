"""The audit timeline in the reader's language.

Events are stored untranslated (a verb and raw values, like Django's LogEntry)
and put into words here, when someone reads them: the values through the
choices they come from, the few reasons the system itself writes through the
catalogue. Reasons people typed stay as they were typed.
"""

import functools
import re
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from cases.choices import Action, ClaimType
from cases.models import CaseStatus
from claims.models import CarrierClaimStatus
from claims.playbooks import PLAYBOOKS
from messaging.models import ALL_EVENTS
from orders.models import PaymentMethod, RiskFlag
from returns.models import Condition, ReturnStatus

VERBS = {
    "opened": _("Case opened"),
    "status_changed": _("Status changed"),
    "assigned": _("Assigned"),
    "note_added": _("Private note added"),
    "claim_opened": _("Claim opened"),
    "decision": _("Recommendation"),
    "resolved": _("Resolved"),
    "escalated": _("Escalated to the owner"),
    "refund_issued": _("Refund issued"),
    "refund_confirmed": _("Refund confirmed as paid out"),
    "refund_needs_approval": _("Refund above the agent's limit: waits for an owner"),
    "playbook_step": _("Playbook step done"),
    "carrier_claim_opened": _("Carrier claim drafted"),
    "carrier_claim_updated": _("Carrier claim updated"),
    "order_held": _("Order put on hold"),
    "buyer_risk_changed": _("Buyer's risk flag changed"),
    "decision_overridden": _("Recommendation overridden"),
    "email_sent": _("E-mail sent"),
    "email_failed": _("E-mail could not be sent"),
    "email_delivered": _("E-mail delivered"),
    "email_bounced": _("E-mail bounced"),
    "email_complained": _("E-mail marked as spam"),
    "email_received": _("E-mail received"),
    "replied": _("Replied to the buyer"),
    "feedback_rated": _("Buyer rated the help"),
    "return_requested": _("Return requested"),
    "return_status_changed": _("Return status changed"),
    "exchange_shipped": _("Exchange sent to the buyer"),
    "buyer_reported_again": _("The buyer reported the same problem again"),
    "return_refund_capped": _("Return refund limited to what was left to refund on the order"),
    "return_label_reissued": _("Return label issued again"),
    "return_receipt_corrected": _("Received quantities corrected"),
    "buyer_stated_condition": _("Buyer described the condition"),
    "dispute_updated": _("Dispute updated by the payment provider"),
}

# Reasons the services write themselves (returns, messaging), stored in English like the verbs.
SYSTEM_REASONS = {
    "within the return policy": _("within the return policy"),
    "buyer keeps the goods": _("the buyer keeps the goods"),
    "Nothing was accepted at inspection.": _("Nothing was accepted at inspection."),
    "no carrier scan before the label expired": _("no carrier scan before the label expired"),
    "buyer replied by e-mail": _("buyer replied by e-mail"),
    "replied to the buyer": _("replied to the buyer"),
    # decisions.engine.NO_MATCH_REASON: the engine stays free of Django, so it is worded here.
    "No rule of the matrix matched this case, so a person decides.": _(
        "No rule of the matrix matched this case, so a person decides."
    ),
}
RETURN_MOVED = re.compile(r"^return (?P<status>[a-z_]+)$")  # returns.services._sync_case
RETURN_REFUND = re.compile(r"^Return (?P<rma>\S+)$")  # a return's refund held for an owner
ABOVE_LIMIT = re.compile(r"^Refund (?P<amount>\S+) above the agent's limit (?P<limit>\S+)$")  # desk.approvals


@functools.cache
def _choices() -> dict[str, dict]:
    """Stored values in words, by what they are; the labels stay lazy, so translated per reader."""

    return {
        "case_status": dict(CaseStatus.choices),
        "claim_type": dict(ClaimType.choices),
        # A decision's action or what an agent chose instead; a return's refund may wait for an owner too.
        "action": {
            **dict(Action.choices),
            **dict(Action.choices),
            "return_refund": _("Refund for a return"),
        },
        "carrier_claim_status": dict(CarrierClaimStatus.choices),
        "risk_flag": dict(RiskFlag.choices),
        "email_event": dict(ALL_EVENTS),
        "email_sender": {"buyer": _("Buyer"), "auto": _("automatic reply")},
        "return_status": dict(ReturnStatus.choices),
        "condition": dict(Condition.choices),
        "payment_method": dict(PaymentMethod.choices),
    }


# What old and new hold, per verb. A verb not listed (assignee names, amounts, ratings,
# a payment provider's own dispute status) shows its values as stored.
VALUES = {
    "opened": "case_status",
    "status_changed": "case_status",
    "claim_opened": "claim_type",
    "decision": "action",
    "decision_overridden": "action",
    "resolved": "action",
    "refund_needs_approval": "action",
    "carrier_claim_opened": "carrier_claim_status",
    "carrier_claim_updated": "carrier_claim_status",
    "buyer_risk_changed": "risk_flag",
    "email_sent": "email_event",
    "email_failed": "email_event",
    "email_delivered": "email_event",
    "email_bounced": "email_event",
    "email_complained": "email_event",
    "email_received": "email_sender",
    "return_requested": "return_status",
    "return_status_changed": "return_status",
    "buyer_stated_condition": "condition",
}
AMOUNTS = {"refund_issued", "refund_confirmed"}


def label(kind: str, value: str) -> str:
    """One stored value in words ("reship" as an action -> "Ersatzlieferung"); unknown ones as stored."""
    if value is None or value == "":
        return ""
    return str(_choices()[kind].get(value, value))


def action_label(value: str) -> str:
    return label("action", value)


@functools.cache
def _step_titles() -> dict[tuple[str, str], str]:
    """Playbook step titles by (claim type, key), and by key alone for a case whose type is not known."""

    titles = {}
    for claim_type, steps in PLAYBOOKS.items():
        for step in steps:
            titles[(str(claim_type), step.key)] = step.title
            titles.setdefault(("", step.key), step.title)
    return titles


def _step_title(key: str, claim_type: str) -> str:
    titles = _step_titles()
    return str(titles.get((claim_type, key)) or titles.get(("", key)) or key)


def _amount(value: str, currency: str = "") -> str:
    try:
        number = formats.number_format(Decimal(value), 2)
    except (InvalidOperation, TypeError, ValueError):
        return value
    return f"{number} {currency}".strip()


def reason_text(reason: str) -> str:
    """A reason the system wrote, in the reader's language; one a person typed, as typed."""
    if not reason:
        return ""
    if reason in SYSTEM_REASONS:
        return str(SYSTEM_REASONS[reason])
    if match := RETURN_MOVED.match(reason):
        status = match["status"]
        if status in _choices()["return_status"]:
            return str(_("Return: %(status)s") % {"status": label("return_status", status)})
    if match := RETURN_REFUND.match(reason):
        return str(_("Return %(rma)s") % {"rma": match["rma"]})
    if match := ABOVE_LIMIT.match(reason):
        return str(
            _("Refund of %(amount)s above the agent's limit of %(limit)s")
            % {"amount": _amount(match["amount"]), "limit": _amount(match["limit"])}
        )
    return reason


def _value(event, value: str, claim_type: str) -> str:
    if not value:
        return ""
    if event.verb == "playbook_step":
        return _step_title(value, claim_type)
    if event.verb in AMOUNTS:
        return _amount(value, (event.data or {}).get("currency", ""))
    kind = VALUES.get(event.verb)
    if kind is None and event.verb not in VERBS:
        # A verb this module does not know yet: a case status or an e-mail event is the likeliest.
        return str(_choices()["case_status"].get(value) or _choices()["email_event"].get(value) or value)
    return label(kind, value) if kind else value


def timeline_entries(events) -> list[dict]:
    entries = []
    claim_type = ""
    for event in events:
        if event.verb == "claim_opened":
            # The playbook's step titles depend on the claim type, and the events say which it is.
            claim_type = event.new
        data = event.data or {}
        new = event.new
        if event.verb == "email_failed":
            new = new or data.get("event", "")  # a failed send keeps its event in data
        entries.append(
            {
                "at": event.at,
                "who": event.actor.get_username() if event.actor else _("Postsale"),
                "what": VERBS.get(event.verb, event.verb.replace("_", " ")),
                "old": _value(event, event.old, claim_type),
                "new": _value(event, new, claim_type),
                "reason": reason_text(data.get("reason", "")),
                "verb": event.verb,
            }
        )
    return entries
