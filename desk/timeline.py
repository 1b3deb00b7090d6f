"""The audit timeline in the reader's language.

Events are stored untranslated (a `Verb` and raw values, like Django's LogEntry)
and put into words here, when someone reads them: the values through the
choices they come from, a reason the system gave (`Reason` code and parameters)
through the catalogue. Reasons people typed stay as they were typed.
"""

import functools
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from cases.choices import HELD_REFUND_LABELS, Action, ClaimType
from cases.models import CaseKind, CaseStatus, OpenedVia
from cases.verbs import Verb, reason_sentence
from claims.models import CarrierClaimStatus, DisputeOutcome
from claims.playbooks import PLAYBOOKS
from decisions.public import reason_for_reader
from messaging.models import ALL_EVENTS
from orders.models import PaymentMethod, RiskFlag
from returns.models import Condition, ReturnStatus

V = Verb
# Stored reason parameters that are themselves codes or amounts, put into words before the sentence.
REASON_PARAM_KINDS = {"status": "return_status"}
REASON_AMOUNT_PARAMS = {"amount", "limit", "cost"}


@functools.cache
def _choices() -> dict[str, dict]:
    """Stored values in words, by what they are; the labels stay lazy, so translated per reader."""
    return {
        "case_status": dict(CaseStatus.choices),
        "claim_type": dict(ClaimType.choices),
        # A decision's action or what an agent chose instead; a return's refund may wait for an owner too.
        "action": {**dict(Action.choices), **HELD_REFUND_LABELS},
        "carrier_claim_status": dict(CarrierClaimStatus.choices),
        "risk_flag": dict(RiskFlag.choices),
        "email_event": dict(ALL_EVENTS),
        "email_sender": {"buyer": _("Buyer"), "auto": _("automatic reply")},
        "return_status": dict(ReturnStatus.choices),
        "condition": dict(Condition.choices),
        "payment_method": dict(PaymentMethod.choices),
        "dispute_outcome": dict(DisputeOutcome.choices),
        "opened_via": dict(OpenedVia.choices),
        "case_kind": dict(CaseKind.choices),
    }


# What old and new hold, per verb. A verb not listed (assignee names, amounts, ratings,
# a payment provider's own dispute status) shows its values as stored.
VALUES = {
    V.OPENED: "case_status",
    V.STATUS_CHANGED: "case_status",
    V.CLAIM_OPENED: "claim_type",
    V.DECISION: "action",
    V.DECISION_OVERRIDDEN: "action",
    V.AUTO_APPLY_WITHHELD: "action",
    V.RESOLVED: "action",
    V.REFUND_NEEDS_APPROVAL: "action",
    V.CARRIER_CLAIM_OPENED: "carrier_claim_status",
    V.CARRIER_CLAIM_UPDATED: "carrier_claim_status",
    V.BUYER_RISK_CHANGED: "risk_flag",
    V.EMAIL_SENT: "email_event",
    V.EMAIL_FAILED: "email_event",
    V.EMAIL_DELIVERED: "email_event",
    V.EMAIL_BOUNCED: "email_event",
    V.EMAIL_COMPLAINED: "email_event",
    V.EMAIL_RECEIVED: "email_sender",
    V.RETURN_REQUESTED: "return_status",
    V.RETURN_STATUS_CHANGED: "return_status",
    V.BUYER_STATED_CONDITION: "condition",
    V.DISPUTE_DECIDED: "dispute_outcome",
    V.BUYER_SENT_PHOTOS: "opened_via",
    V.CONVERTED: "case_kind",
}
AMOUNTS = {V.REFUND_ISSUED, V.REFUND_CONFIRMED}


def label(kind: str, value: str) -> str:
    """One stored value in words ("reship" as an action -> "Ersatzlieferung"); unknown ones as stored."""
    if value is None or value == "":
        return ""
    return str(_choices()[kind].get(value, value))


def verb_label(verb: str) -> str:
    try:
        return Verb(verb).label
    except ValueError:
        return verb.replace("_", " ")  # written by a newer version, or an old one since retired


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


def reason_text(data: dict) -> str:
    """Why, in the reader's language: a reason the system gave, put into words; one a person typed, as typed."""
    code = data.get("reason_code")
    if not code:
        # A default rule's reason stored in the shop's language reads in the reader's; typed ones as typed.
        return reason_for_reader(data.get("reason", "") or "")
    params = {}
    for name, value in (data.get("reason_params") or {}).items():
        if name in REASON_PARAM_KINDS:
            value = label(REASON_PARAM_KINDS[name], value)
        elif name in REASON_AMOUNT_PARAMS:
            value = _amount(value)
        params[name] = value
    return reason_sentence(code, params)


def _value(event, value: str, claim_type: str) -> str:
    if not value:
        return ""
    if event.verb == V.PLAYBOOK_STEP:
        return _step_title(value, claim_type)
    if event.verb in AMOUNTS:
        return _amount(value, (event.data or {}).get("currency", ""))
    kind = VALUES.get(event.verb)
    if kind is None and event.verb not in Verb.values:
        # A verb this module does not know yet: a case status or an e-mail event is the likeliest.
        return str(_choices()["case_status"].get(value) or _choices()["email_event"].get(value) or value)
    return label(kind, value) if kind else value


def timeline_entries(events) -> list[dict]:
    entries = []
    claim_type = ""
    for event in events:
        if event.verb == V.CLAIM_OPENED:
            # The playbook's step titles depend on the claim type, and the events say which it is.
            claim_type = event.new
        data = event.data or {}
        new = event.new
        if event.verb == V.EMAIL_FAILED:
            new = new or data.get("event", "")  # a failed send keeps its event in data
        entries.append(
            {
                "at": event.at,
                "who": event.actor.get_username() if event.actor else _("Postsale"),
                "what": verb_label(event.verb),
                "old": _value(event, event.old, claim_type),
                "new": _value(event, new, claim_type),
                "reason": reason_text(data),
                "verb": event.verb,
            }
        )
    return entries
