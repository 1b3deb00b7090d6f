"""Per claim type, the ordered steps an agent follows.

Each step names the buyer e-mail event that belongs to it (sent by the
messaging app); a step without one is work the agent does alone.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimType as T


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    email_event: str = ""


ACK = Step("acknowledge", _("Confirm to the buyer that we received the claim"), "claim_received")
DECIDE = Step("decide", _("Decide: refund, replacement or decline, and tell the buyer"))

PLAYBOOKS: dict[str, list[Step]] = {
    # Seed 000: delivered but not found — ask around first, with the shipping documents.
    T.DELIVERED_NOT_RECEIVED: [
        ACK,
        Step(
            "ask_to_check",
            _(
                "Ask the buyer to check with household, neighbours, office and post office, with the shipping documents"
            ),
            "check_household_neighbours",
        ),
        Step("wait", _("Wait two working days for the buyer's answer")),
        Step("check_delivery_proof", _("Check the delivery proof: time, place and signature")),
        Step("carrier_trace", _("Ask the carrier for a trace"), "carrier_investigation_started"),
        DECIDE,
    ],
    # Seed 000: lost — wait the carrier's period, file a claim, keep the buyer informed.
    T.LOST_IN_TRANSIT: [
        ACK,
        Step("carrier_trace", _("Ask the carrier for a trace"), "carrier_investigation_started"),
        Step("wait_carrier_period", _("Wait the carrier's investigation period")),
        Step("file_carrier_claim", _("File a claim with the carrier"), "carrier_claim_filed"),
        Step("replace_or_refund", _("Send a replacement or refund"), "replacement_shipped"),
    ],
    T.LATE_FOR_NEEDED_BY: [
        ACK,
        Step("check_tracking", _("Check the tracking story against the needed-by date")),
        Step(
            "reship_in_time",
            _("If it cannot arrive in time, send a replacement with a return label for the duplicate"),
            "replacement_shipped",
        ),
        Step(
            "file_carrier_claim",
            _("File a claim with the carrier if the parcel is lost"),
            "carrier_claim_filed",
        ),
    ],
    # Seed 002 #1: weigh the evidence before believing or doubting.
    T.MISSING_ITEMS: [
        ACK,
        Step("weight_check", _("Compare the measured parcel weight with the expected weight")),
        Step("packing_photos", _("Look at the packing photos")),
        Step("buyer_history", _("Look at the buyer's claim history and risk flag")),
        DECIDE,
    ],
    T.DAMAGED: [
        ACK,
        Step("photos", _("Ask for photos of the goods and the box"), "claim_received"),
        Step("file_carrier_claim", _("File a damage claim with the carrier"), "carrier_claim_filed"),
        DECIDE,
    ],
    T.WRONG_ITEM: [
        ACK,
        Step("compare_order", _("Compare what was ordered with the packing photos")),
        Step("return_label", _("Send a return label for the wrong item"), "replacement_shipped"),
        DECIDE,
    ],
    # Seed 002 #5: what the buyer typed decides whose mistake it was.
    T.PERSONALISATION_ERROR: [
        ACK,
        Step("compare_entry", _("Compare the goods with the personalisation as the buyer entered it")),
        Step("offer", _("Offer a remake: at cost if the entry was wrong, free if we made the mistake")),
        DECIDE,
    ],
    # Seed 003 #3 and #6: answer in time with the evidence bundle.
    T.CHARGEBACK: [
        Step("collect_evidence", _("Collect order data, tracking story, delivery proof and messages")),
        Step("respond", _("Answer the payment provider before the deadline")),
        Step("record_outcome", _("Record the outcome")),
    ],
    # Seed 002 #4: an uncleared personal cheque on a rush order.
    T.PAYMENT_REVIEW: [
        Step("hold", _("Hold the order until the payment has cleared")),
        Step("contact_buyer", _("Offer the buyer another way to pay")),
        Step("decide_ship_or_cancel", _("Ship once cleared, or cancel")),
    ],
}


def playbook_for(claim_type: str) -> list[Step]:
    return PLAYBOOKS.get(claim_type, [ACK, DECIDE])


EMAIL_EVENTS = sorted(
    {step.email_event for steps in PLAYBOOKS.values() for step in steps if step.email_event}
)
