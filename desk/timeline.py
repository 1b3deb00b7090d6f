"""The audit timeline in the reader's language.

Events are stored untranslated (a verb and raw values, like Django's LogEntry)
and put into words here, when someone reads them.
"""

import functools

from django.utils.translation import gettext_lazy as _

from .models import CaseStatus

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
    "return_label_reissued": _("Return label issued again"),
    "return_receipt_corrected": _("Received quantities corrected"),
    "buyer_stated_condition": _("Buyer described the condition"),
    "dispute_updated": _("Dispute updated by the payment provider"),
}


@functools.cache
def _labels() -> dict:
    """Case statuses and e-mail events by their stored value; the labels stay lazy, so translated per reader."""
    from messaging.models import ALL_EVENTS

    return {**dict(ALL_EVENTS), **dict(CaseStatus.choices)}


def _label(value: str) -> str:
    """A status or e-mail event in words; anything else as it was stored."""
    return str(_labels().get(value, value))


def timeline_entries(events) -> list[dict]:
    entries = []
    for event in events:
        entries.append(
            {
                "at": event.at,
                "who": event.actor.get_username() if event.actor else _("Postsale"),
                "what": VERBS.get(event.verb, event.verb.replace("_", " ")),
                "old": _label(event.old) if event.old else "",
                "new": _label(event.new) if event.new else "",
                "reason": (event.data or {}).get("reason", ""),
                "verb": event.verb,
            }
        )
    return entries
