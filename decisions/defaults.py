"""The matrix every shop starts with: what the shops we learnt from do with each kind of problem, as rules.

Amounts are in EUR and scaled to the shop's currency (SEK ×10). The shop owner
changes them in the admin; these are only where everybody starts from.

The reasoning, rule by rule:
- Chargebacks and A-to-z claims have a deadline and need the evidence bundle:
  an owner answers them.
- A payment review is opened for a rush order paid by an uncleared personal
  cheque. A cheque needs five days to clear and a rush order cannot wait, so
  cancel rather than risk the bounced-cheque fees.
- Lost in transit: file a carrier claim. When the buyer needs the goods within
  a week (handkerchiefs for a wedding), ship again at once with a return label
  for the duplicate, and accept the loss if it never comes back.
- Flagged buyers (a shop marks a buyer whose claims it doubts) first show what
  they got.
- Delivered but not received: under 50 EUR trust the buyer and ship again, a
  fraudster would order something dearer. Larger orders with a signature are
  declined with the signature as proof; with a delivery scan the buyer checks
  household, neighbours, office and post office first; above 250 EUR without
  proof the owner decides (and the shop ships orders that large with
  signature from then on).
- Missing items: if the packed weight was too low, we packed too few: ship the
  rest. If the weight matches the whole order (four dozen napkins at 1.2 lb a
  set cannot weigh over 5 lb with a dozen missing) the items were in the box;
  a shop may still send them as goodwill, but an agent decides.
- Damaged goods under 50 EUR are refunded at once; above, photos first, and once the
  photos are there, a replacement (and a carrier claim with the photos).
- Personalisation errors: check what the buyer typed. A remake is goodwill at
  the owner's discretion; a large order goes to the owner.
"""

from decimal import Decimal
from functools import cache

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases.choices import Action, ClaimType

from .engine import ANY
from .models import BuyerRisk, Evidence

# How many units of a currency make roughly one euro, for the default bands.
CURRENCY_SCALE = {"EUR": Decimal("1"), "SEK": Decimal("10"), "NOK": Decimal("10"), "DKK": Decimal("7.5")}
DEFAULT_AUTO_APPLY_LIMIT_EUR = Decimal("50")
# Used by the simulation to price a replacement's postage.
SHIPPING_ESTIMATE_EUR = Decimal("6.90")

# Below this the buyer's word is enough to ship again or refund: someone out to cheat orders something dearer.
SMALL = Decimal("50")
# From this an order is large: it should travel with a signature, and without proof the owner decides.
LARGE = Decimal("250")
# A personalised order of this much (hundreds) is a real loss to remake: the owner decides.
PERSONALISED_LARGE = Decimal("150")


def _rule(claim_type=ANY, *, action, reason, min_value=None, max_value=None, buyer_risk=ANY, evidence=ANY,
          needed_within_days=None, refund_percent=None, auto_apply=False):  # fmt: skip
    return {
        "claim_type": claim_type,
        "min_value": min_value,
        "max_value": max_value,
        "buyer_risk": buyer_risk,
        "evidence": evidence,
        "needed_within_days": needed_within_days,
        # Repeat claims are left to the matrix-wide guard (auto_apply_max_claims and one automatic
        # decision per order), so every default rule holds for any history.
        "min_prior_resolutions": None,
        "min_claims_last_365_days": None,
        "action": action,
        "refund_percent": refund_percent,
        "auto_apply": auto_apply,
        "reason": reason,
    }


DEFAULT_RULES_EUR = [
    _rule(
        ClaimType.CHARGEBACK,
        action=Action.ESCALATE,
        reason=_(
            "A chargeback or A-to-z claim has a deadline and needs the evidence bundle "
            "(order, tracking, delivery confirmation, signature, messages); the owner answers it."
        ),
    ),
    _rule(
        ClaimType.PAYMENT_REVIEW,
        action=Action.CANCEL_ORDER,
        reason=_(
            "Rush order paid by a personal cheque that has not cleared. A cheque needs 5 days to clear "
            "and a rush order cannot wait; cancel rather than risk a bounced cheque and its fees. "
            "Without the rush we would hold the order until the cheque clears."
        ),
    ),
    _rule(
        ClaimType.LOST_IN_TRANSIT,
        needed_within_days=7,
        action=Action.RESHIP_WITH_RETURN_LABEL,
        auto_apply=True,
        reason=_(
            "The parcel is lost or badly late and the buyer needs it within a week (the wedding story): "
            "ship again now with a return label for the duplicate, and file a carrier claim for the first parcel."
        ),
    ),
    _rule(
        ClaimType.LOST_IN_TRANSIT,
        action=Action.CARRIER_CLAIM,
        reason=_(
            "Lost in transit and no date pressing: file a claim with the carrier after its waiting period "
            "and keep the buyer informed."
        ),
    ),
    _rule(
        buyer_risk=BuyerRisk.FLAGGED,
        max_value=LARGE,
        action=Action.REQUEST_INFO,
        reason=_(
            "The buyer is flagged as questionable: ask for photos of the parcel, the label and the contents "
            "before deciding."
        ),
    ),
    _rule(
        buyer_risk=BuyerRisk.FLAGGED,
        min_value=LARGE,
        action=Action.ESCALATE,
        reason=_("A flagged buyer and a large order: the owner decides."),
    ),
    _rule(
        ClaimType.DELIVERED_NOT_RECEIVED,
        max_value=SMALL,
        action=Action.RESHIP,
        auto_apply=True,
        reason=_(
            "Small order marked delivered but not received: trust the buyer and ship again. Someone out to "
            "cheat would order something dearer, and a happy buyer is worth the small loss."
        ),
    ),
    _rule(
        ClaimType.DELIVERED_NOT_RECEIVED,
        min_value=LARGE,
        evidence=Evidence.SIGNATURE,
        action=Action.DENY,
        reason=_(
            "Someone signed for the parcel on delivery. Decline, send the buyer the signature and the "
            "delivery scan, and offer a carrier trace."
        ),
    ),
    _rule(
        ClaimType.DELIVERED_NOT_RECEIVED,
        min_value=SMALL,
        evidence=Evidence.DELIVERY_CONFIRMED,
        action=Action.REQUEST_INFO,
        reason=_(
            "The carrier confirms delivery: ask the buyer to check with household, neighbours, office and "
            "the post office, with the shipping documents, before anything else."
        ),
    ),
    _rule(
        ClaimType.DELIVERED_NOT_RECEIVED,
        min_value=SMALL,
        max_value=LARGE,
        action=Action.RESHIP,
        reason=_(
            "Marked delivered without a delivery scan to show for it: ship again and trace it with the carrier."
        ),
    ),
    _rule(
        ClaimType.DELIVERED_NOT_RECEIVED,
        min_value=LARGE,
        action=Action.ESCALATE,
        reason=_(
            "A large order without proof of delivery: the owner decides. Ship orders of this size with "
            "signature confirmation from now on."
        ),
    ),
    _rule(
        ClaimType.MISSING_ITEMS,
        evidence=Evidence.WEIGHT_INCONSISTENT,
        action=Action.RESHIP,
        auto_apply=True,
        reason=_(
            "The measured packed weight is below what the full order weighs: we most likely packed too few. "
            "Send the missing items."
        ),
    ),
    _rule(
        ClaimType.MISSING_ITEMS,
        evidence=Evidence.WEIGHT_CONSISTENT,
        action=Action.RESHIP,
        reason=_(
            "The packed weight matches the full order, so the items were very likely in the box. Sending "
            "them is goodwill at the agent's discretion; if we do, note it and take packing photos of this "
            "buyer's next orders."
        ),
    ),
    _rule(
        ClaimType.MISSING_ITEMS,
        max_value=SMALL,
        action=Action.RESHIP,
        auto_apply=True,
        reason=_("Small order and no packed weight to check against: send the missing items."),
    ),
    _rule(
        ClaimType.MISSING_ITEMS,
        action=Action.REQUEST_INFO,
        reason=_(
            "No packed weight to check against: ask the buyer for photos of the parcel and its contents."
        ),
    ),
    _rule(
        ClaimType.DAMAGED,
        max_value=SMALL,
        action=Action.REFUND,
        refund_percent=100,
        auto_apply=True,
        reason=_("Small order arrived damaged: refund at once."),
    ),
    _rule(
        ClaimType.DAMAGED,
        evidence=Evidence.PHOTOS_PROVIDED,
        action=Action.RESHIP,
        reason=_(
            "The photos show the damage: send a replacement, and claim the damage from the carrier with them."
        ),
    ),
    _rule(
        ClaimType.DAMAGED,
        action=Action.REQUEST_INFO,
        reason=_(
            "Ask for photos of the damage and the packaging: they decide between replacement and refund, "
            "and the carrier claim needs them."
        ),
    ),
    _rule(
        ClaimType.WRONG_ITEM,
        max_value=SMALL,
        action=Action.RESHIP,
        auto_apply=True,
        reason=_("We sent the wrong item: send the right one; a small item need not come back."),
    ),
    _rule(
        ClaimType.WRONG_ITEM,
        action=Action.RESHIP_WITH_RETURN_LABEL,
        reason=_("We sent the wrong item: send the right one with a return label for the wrong one."),
    ),
    _rule(
        ClaimType.PERSONALISATION_ERROR,
        max_value=PERSONALISED_LARGE,
        action=Action.REMAKE,
        reason=_(
            "Compare the monogram with the personalisation as entered. If it is the buyer's own entry, a "
            "remake is goodwill at the owner's discretion (or at cost); if we stitched it wrong, remake it."
        ),
    ),
    _rule(
        ClaimType.PERSONALISATION_ERROR,
        min_value=PERSONALISED_LARGE,
        action=Action.ESCALATE,
        reason=_(
            "A large personalised order: if it is the buyer's own entry, a remake is goodwill at the "
            "owner's discretion and a real loss; the owner decides between free and at cost."
        ),
    ),
    _rule(
        ClaimType.LATE_FOR_NEEDED_BY,
        needed_within_days=7,
        action=Action.RESHIP_WITH_RETURN_LABEL,
        auto_apply=True,
        reason=_(
            "The parcel will not make the buyer's date, which is within a week: ship again now, express, "
            "with a return label for the duplicate."
        ),
    ),
    _rule(
        ClaimType.LATE_FOR_NEEDED_BY,
        action=Action.ESCALATE,
        reason=_(
            "Late for the buyer's date: either the date has passed (a replacement no longer helps; consider "
            "a partial refund) or it is more than a week away (chase the carrier). The owner decides."
        ),
    ),
]


def scale_for(currency: str) -> Decimal:
    return CURRENCY_SCALE.get((currency or "EUR").upper(), Decimal("1"))


def default_rules(currency: str) -> list[dict]:
    """The default rules with their bands in `currency`, positions 1, 2, 3…"""
    scale = scale_for(currency)
    rules = []
    for position, rule in enumerate(DEFAULT_RULES_EUR, start=1):
        # The reason is stored in the shop's language (the caller activates it): agents read it.
        scaled = dict(rule, position=position, reason=str(rule["reason"]))
        for key in ("min_value", "max_value"):
            if scaled[key] is not None:
                scaled[key] = (scaled[key] * scale).quantize(Decimal("0.01"))
        rules.append(scaled)
    return rules


def default_auto_apply_limit(currency: str) -> Decimal:
    return (DEFAULT_AUTO_APPLY_LIMIT_EUR * scale_for(currency)).quantize(Decimal("0.01"))


def shipping_estimate(currency: str) -> Decimal:
    return (SHIPPING_ESTIMATE_EUR * scale_for(currency)).quantize(Decimal("0.01"))


@cache
def _default_reasons() -> dict[str, str]:
    """Every default rule's reason as it may be stored (in English, German or Swedish) → its msgid."""
    known = {}
    for rule in DEFAULT_RULES_EUR:
        with translation.override(None):  # no language: the text as written in the code, the msgid
            msgid = str(rule["reason"])
        for language in ("en", "de", "sv"):
            with translation.override(language):
                known[str(rule["reason"])] = msgid
    return known


def reason_for_reader(reason: str) -> str:
    """A rule's reason in the reader's language when it is one of ours, stored in the shop's language;
    a reason the owner wrote themselves stays as they wrote it."""
    msgid = _default_reasons().get(reason)
    return translation.gettext(msgid) if msgid else reason
