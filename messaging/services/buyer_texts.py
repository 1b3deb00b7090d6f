"""The message to the buyer that an agent's action sends, before the agent edits it.

Every desk action that writes to the buyer has two texts: the internal reason (the
timeline's, never mailed) and the message to the buyer. The message starts as the
shop's own text for that action in the buyer's language (a canned reply marked for
the action), else as the paragraph the e-mail would carry anyway.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from cases.models import Case

from ..models import BuyerEvent, CannedReply
from ..rendering import buyer_language, case_context
from .replies import canned_reply_fill

# The e-mails whose personal paragraph an agent may write: templates/emails/_message/<event>.txt.
WRITABLE_EVENTS = frozenset(
    {
        BuyerEvent.CLAIM_DECLINED,
        BuyerEvent.RETURN_DECLINED,
        BuyerEvent.REFUND_ISSUED,
        BuyerEvent.REPLACEMENT_SHIPPED,
        BuyerEvent.CARRIER_INVESTIGATION_STARTED,
        BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS,
        BuyerEvent.AGENT_REPLY,
    }
)


def shop_text_for(*, case: Case, action: str, language: str) -> CannedReply | None:
    """The shop's own text for this action and language, else one written for every shop."""
    texts = CannedReply.objects.filter(action=action, language=language).order_by("title", "pk")
    return texts.filter(shop_id=case.shop_id).first() or texts.filter(shop__isnull=True).first()


def buyer_message_default(
    *, case: Case, event: str, action: str = "", context: dict | None = None, agent=None
) -> str:
    """The message to the buyer as the form first shows it, in the buyer's language."""
    if event not in WRITABLE_EVENTS:
        return ""
    language = buyer_language(case)
    text = shop_text_for(case=case, action=action, language=language) if action else None
    if text is not None:
        return canned_reply_fill(body=text.body, case=case, agent=agent).strip()
    with translation.override(language):
        return render_to_string(
            f"emails/_message/{event}.txt", {**case_context(case), **(context or {})}
        ).strip()
