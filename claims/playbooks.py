"""Per claim type, the ordered steps an agent follows.

Each step names the buyer e-mail event that belongs to it (sent by the
messaging app); a step without one is work the agent does alone.
"""

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimType as T
from messaging.public import BuyerEvent as E


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    email_event: E | Literal[""] = ""


ACK = Step("acknowledge", _("Confirm to the buyer that we received the claim"), E.CLAIM_RECEIVED)
DECIDE = Step("decide", _("Decide: refund, replacement or decline, and tell the buyer"))

PLAYBOOKS: dict[str, list[Step]] = {
    # Marked delivered but not found: the buyer asks around first (household, neighbours, office,
    # post office), with the shipping documents to show.
    T.DELIVERED_NOT_RECEIVED: [
        ACK,
        Step(
            "ask_to_check",
            _(
                "Ask the buyer to check with household, neighbours, office and post office, with the shipping documents"
            ),
            E.CHECK_HOUSEHOLD_NEIGHBOURS,
        ),
        Step("wait", _("Wait two working days for the buyer's answer")),
        Step("check_delivery_proof", _("Check the delivery proof: time, place and signature")),
        Step("carrier_trace", _("Ask the carrier for a trace"), E.CARRIER_INVESTIGATION_STARTED),
        DECIDE,
    ],
    # Lost: wait out the carrier's investigation, then file a claim; the buyer hears at each step.
    T.LOST_IN_TRANSIT: [
        ACK,
        Step("carrier_trace", _("Ask the carrier for a trace"), E.CARRIER_INVESTIGATION_STARTED),
        Step("wait_carrier_period", _("Wait the carrier's investigation period")),
        Step("file_carrier_claim", _("File a claim with the carrier"), E.CARRIER_CLAIM_FILED),
        Step("replace_or_refund", _("Send a replacement or refund"), E.REPLACEMENT_SHIPPED),
    ],
    T.LATE_FOR_NEEDED_BY: [
        ACK,
        Step("check_tracking", _("Check the tracking story against the needed-by date")),
        Step(
            "reship_in_time",
            _("If it cannot arrive in time, send a replacement with a return label for the duplicate"),
            E.REPLACEMENT_SHIPPED,
        ),
        Step(
            "file_carrier_claim",
            _("File a claim with the carrier if the parcel is lost"),
            E.CARRIER_CLAIM_FILED,
        ),
    ],
    # Missing items: weigh the evidence (the parcel's weight first) before believing or doubting the buyer.
    T.MISSING_ITEMS: [
        ACK,
        Step("weight_check", _("Compare the measured parcel weight with the expected weight")),
        Step("packing_photos", _("Look at the packing photos")),
        Step("buyer_history", _("Look at the buyer's claim history and risk flag")),
        DECIDE,
    ],
    T.DAMAGED: [
        ACK,
        # Done once the buyer is asked, or once their photos are here (sent with the claim, through
        # the portal or by e-mail): then there is nothing left to ask for.
        Step("photos", _("Ask for photos of the goods and the box"), E.PHOTOS_REQUESTED),
        Step("file_carrier_claim", _("File a damage claim with the carrier"), E.CARRIER_CLAIM_FILED),
        DECIDE,
    ],
    T.WRONG_ITEM: [
        ACK,
        Step("compare_order", _("Compare what was ordered with the packing photos")),
        # A real return on the claim's case: the label is made (ours, or a carrier's) and e-mailed.
        Step("return_label", _("Send a return label for the wrong item"), E.RETURN_LABEL),
        DECIDE,
    ],
    # Personalisation: what the buyer typed decides whose mistake it was.
    T.PERSONALISATION_ERROR: [
        ACK,
        Step("compare_entry", _("Compare the goods with the personalisation as the buyer entered it")),
        Step("offer", _("Offer a remake: at cost if the entry was wrong, free if we made the mistake")),
        DECIDE,
    ],
    # A dispute: answer the payment provider before its deadline, with the evidence bundle.
    T.CHARGEBACK: [
        Step("collect_evidence", _("Collect order data, tracking story, delivery proof and messages")),
        Step("respond", _("Answer the payment provider before the deadline")),
        Step("record_outcome", _("Record the outcome")),
    ],
    # A rush order paid by personal cheque would ship before the cheque clears, or bounces.
    T.PAYMENT_REVIEW: [
        Step("hold", _("Hold the order until the payment has cleared")),
        Step("contact_buyer", _("Offer the buyer another way to pay")),
        Step("decide_ship_or_cancel", _("Ship once cleared, or cancel")),
    ],
}


def playbook_for(claim_type: str) -> list[Step]:
    return PLAYBOOKS.get(claim_type, [ACK, DECIDE])
