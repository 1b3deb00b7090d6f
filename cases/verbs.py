"""The words of the case timeline: what can happen to a case, and why the system did something.

An event is stored as codes and raw values (a `Verb`, old and new values, and
a JSON `data`), never as sentences, and put into words when someone reads it,
in their language, as Django admin's `LogEntry` does. A reason a person typed
is kept as typed (`data["reason"]`); a reason the system gives itself is a
`Reason` code with its parameters (`data["reason_code"]`, `data["reason_params"]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    OPENED = "opened", _("Case opened")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    TAGGED = "tagged", _("Tag added")
    UNTAGGED = "untagged", _("Tag removed")
    NOTE_ADDED = "note_added", _("Private note added")
    CLAIM_OPENED = "claim_opened", _("Claim opened")
    DECISION = "decision", _("Recommendation")
    RESOLVED = "resolved", _("Resolved")
    ESCALATED = "escalated", _("Escalated to the owner")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    REFUND_CONFIRMED = "refund_confirmed", _("Refund confirmed as paid out")
    REFUND_ACCEPTED = "refund_accepted", _("Refund accepted by the payment provider")
    REFUND_FAILED = "refund_failed", _("Refund refused by the payment provider")
    OUTBOUND_SUCCEEDED = "outbound_succeeded", _("Sent to the provider, which accepted it")
    OUTBOUND_RETRYING = "outbound_retrying", _("The provider did not answer: Postsale tries again")
    OUTBOUND_FAILED = "outbound_failed", _("The provider refused or did not answer: an agent must look")
    OUTBOUND_RETRIED = "outbound_retried", _("Sent to the provider again by an agent")
    REFUND_NEEDS_APPROVAL = "refund_needs_approval", _("Refund above the agent's limit: waits for an owner")
    APPROVAL_GRANTED = "approval_granted", _("Approved by an owner")
    APPROVAL_DECLINED = "approval_declined", _("Declined by an owner: back to the agent")
    PLAYBOOK_STEP = "playbook_step", _("Playbook step done")
    CARRIER_CLAIM_OPENED = "carrier_claim_opened", _("Carrier claim drafted")
    CARRIER_CLAIM_UPDATED = "carrier_claim_updated", _("Carrier claim updated")
    CARRIER_CLAIM_REMINDED = "carrier_claim_reminded", _("Reminded of the carrier claim's deadline")
    ORDER_HELD = "order_held", _("Order put on hold")
    ORDER_RELEASED = "order_released", _("Order released: its payment has cleared")
    SHOP_ORDER_CREATED = "shop_order_created", _("Order made in the shop")
    SHOP_ORDER_SHIPPED = "shop_order_shipped", _("The shop sent the order made for this case")
    SHOP_ORDER_NOT_SENT = (
        "shop_order_not_sent",
        _("The order came from no shop system: this stays in Postsale, for the shop to do by hand"),
    )
    NEEDED_BY_CHANGED = "needed_by_changed", _("Needed-by date changed")
    BUYER_RISK_CHANGED = "buyer_risk_changed", _("Buyer's risk flag changed")
    DECISION_OVERRIDDEN = "decision_overridden", _("Recommendation overridden")
    EMAIL_SENT = "email_sent", _("E-mail sent")
    EMAIL_FAILED = "email_failed", _("E-mail could not be sent")
    EMAIL_DELIVERED = "email_delivered", _("E-mail delivered")
    EMAIL_BOUNCED = "email_bounced", _("E-mail bounced")
    EMAIL_COMPLAINED = "email_complained", _("E-mail marked as spam")
    EMAIL_RECEIVED = "email_received", _("E-mail received")
    REPLIED = "replied", _("Replied to the buyer")
    FEEDBACK_RATED = "feedback_rated", _("Buyer rated the help")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURN_STATUS_CHANGED = "return_status_changed", _("Return status changed")
    EXCHANGE_SHIPPED = "exchange_shipped", _("Exchange sent to the buyer")
    BUYER_REPORTED_AGAIN = "buyer_reported_again", _("The buyer reported the same problem again")
    BUYER_SENT_PHOTOS = "buyer_sent_photos", _("The buyer sent photos")
    RETURN_REFUND_CAPPED = (
        "return_refund_capped",
        _("Return refund limited to what was left to refund on the order"),
    )
    RETURN_LABEL_REISSUED = "return_label_reissued", _("Return label issued again")
    # An unpaid order: what was due to the buyer comes off their invoice, changed by hand in the shop.
    INVOICE_REDUCED = "invoice_reduced", _("Invoice to reduce in the shop")
    INVOICE_CHANGED_IN_SHOP = "invoice_changed_in_shop", _("Invoice changed in the shop")
    RETURN_PICKUP_BOOKED = "return_pickup_booked", _("Pickup at the buyer's door booked")
    RETURN_PICKUP_NOT_BOOKED = (
        "return_pickup_not_booked",
        _("No pickup booked: the buyer hands the parcel in"),
    )
    RETURN_RECEIPT_CORRECTED = "return_receipt_corrected", _("Received quantities corrected")
    BUYER_STATED_CONDITION = "buyer_stated_condition", _("Buyer described the condition")
    DISPUTE_UPDATED = "dispute_updated", _("Dispute updated by the payment provider")
    DISPUTE_DECIDED = "dispute_decided", _("Dispute decided by the payment provider")
    DISPUTE_EVIDENCE_REQUESTED = "dispute_evidence_requested", _("Evidence queued for the payment provider")
    DISPUTE_EVIDENCE_SUBMITTED = "dispute_evidence_submitted", _("Evidence submitted to the payment provider")
    AUTO_APPLY_WITHHELD = "auto_apply_withheld", _("Recommendation not applied automatically")
    ORDER_LINKED = "order_linked", _("Linked to an order")
    CONVERTED = "converted", _("Enquiry turned into a claim or return")
    MERGED_INTO = "merged_into", _("Merged into another case of the buyer")
    MERGED_FROM = "merged_from", _("Another case of the buyer merged into this one")
    EMAIL_SENDER_DIFFERS = (
        "email_sender_differs",
        _("E-mail kept out of another case's thread: sender differs"),
    )


class Reason(models.TextChoices):
    """Why the system did something; the label is the sentence, its %(names)s the parameters."""

    WITHIN_POLICY = "within_policy", _("within the return policy")
    BUYER_KEEPS_GOODS = "buyer_keeps_goods", _("the buyer keeps the goods")
    NOTHING_ACCEPTED = "nothing_accepted", _("Nothing was accepted at inspection.")
    LABEL_EXPIRED = "label_expired", _("no carrier scan before the label expired")
    BUYER_REPLIED = "buyer_replied", _("buyer replied by e-mail")
    # Where a needed-by date came from.
    BUYER_GAVE_DATE = "buyer_gave_date", _("the buyer gave the date in the portal")
    SHOP_ORDER_DATE = "shop_order_date", _("read from the order in the shop system")
    REPLIED_TO_BUYER = "replied_to_buyer", _("replied to the buyer")
    DISPUTE_WON = "dispute_won", _("the payment provider decided the dispute for the shop")
    DISPUTE_LOST = (
        "dispute_lost",
        _("the payment provider decided the dispute for the buyer: %(cost)s %(currency)s lost"),
    )
    NO_RULE_MATCHED = "no_rule_matched", _("No rule of the matrix matched this case, so a person decides.")
    # The case follows its return: "Return: received".
    RETURN_MOVED = "return_moved", _("Return: %(status)s")
    # A return's refund that waits for an owner.
    RETURN_REFUND = "return_refund", _("Return %(rma)s")
    ABOVE_LIMIT = "above_limit", _("Refund of %(amount)s above the agent's limit of %(limit)s")
    # Why a rule that may apply itself waited for an agent this time (a buyer re-reporting for more).
    AUTO_ONCE_PER_ORDER = (
        "auto_once_per_order",
        _("This order already had an automatic decision for this kind of problem: an agent decides."),
    )
    AUTO_ORDER_RESOLVED_BEFORE = (
        "auto_order_resolved_before",
        _("This order was already resolved before: an agent decides."),
    )
    AUTO_MANY_CLAIMS = (
        "auto_many_claims",
        _(
            "The buyer made %(claims)s other claims in the last 365 days, more than the %(allowed)s the shop "
            "settles automatically: an agent decides."
        ),
    )
    # A return's exchange that waits for an owner.
    RETURN_EXCHANGE = "return_exchange", _("Exchange for return %(rma)s")
    # An e-mail that answers one case's e-mails but is not from someone they went to.
    SENDER_NOT_A_RECIPIENT = (
        "sender_not_a_recipient",
        _(
            "it answers an e-mail of %(case)s, but its sender is neither that case's buyer nor anyone its e-mails went to"
        ),
    )
    MERGED = "merged", _("merged into %(case)s")
    SENDER_NOT_AUTHENTICATED = (
        "sender_not_authenticated",
        _("the sender's domain did not confirm the sender (SPF, DKIM, DMARC)"),
    )


@dataclass(frozen=True)
class SystemReason:
    """A `Reason` and its parameters, as the services pass it on to the timeline."""

    code: Reason
    params: dict[str, str] = field(default_factory=dict)

    def as_data(self) -> dict:
        return {"reason_code": self.code.value, "reason_params": dict(self.params)}


def because(code: Reason, **params) -> SystemReason:
    return SystemReason(code, {name: str(value) for name, value in params.items()})


def reason_data(reason: str | SystemReason | None) -> dict:
    """How a reason is stored in an event's data: as typed, or as a code with its parameters."""
    if isinstance(reason, SystemReason):
        return reason.as_data()
    return {"reason": reason or ""}


def reason_sentence(code: str, params: dict | None = None) -> str:
    """A system reason in the active language, its parameters filled in; an unknown code as stored."""
    try:
        sentence = str(Reason(code).label)
    except ValueError:
        return code
    return sentence % params if params else sentence
