"""The buyer's risk flag: set by people, with a reason, and never by a shop's order feed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from ..models import Buyer


def buyer_set_risk(*, buyer: Buyer, flag: str, reason: str, by) -> Buyer:
    """Flag or clear a buyer. A flag needs a reason: the next agent reads it before believing a claim."""
    if flag != "none" and not reason.strip():
        raise ValidationError({"risk_reason": [gettext("Say why the buyer is flagged.")]})
    buyer.risk_flag = flag
    buyer.risk_reason = reason.strip()
    buyer.risk_set_by = by
    buyer.risk_set_at = timezone.now()
    buyer.save(update_fields=["risk_flag", "risk_reason", "risk_set_by", "risk_set_at"])
    return buyer
