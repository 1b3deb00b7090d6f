"""Agents answer the buyer from the case, in their own words or from a canned reply."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from cases.events import case_event
from cases.models import Case, CaseStatus
from cases.search import case_reindex
from cases.services import case_lock, case_mark_responded, move_locked
from cases.verbs import Reason, Verb, because

from ..models import BuyerEvent, CannedReply, OutboundMessage
from ..rendering import agent_signoff, case_context
from .outbox import notify_buyer

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def canned_reply_fill(*, body: str, case: Case, agent=None) -> str:
    """Fill the case's {placeholders} in a reply; every other brace stays exactly as the agent typed it."""
    values = {key: "" if value is None else str(value) for key, value in case_context(case).items()}
    if agent is not None:
        values["agent_name"] = agent_signoff(agent, shop_id=case.shop_id, language=case.language)[
            "agent_name"
        ]
    # Not str.format: agents paste discount codes like "{}" or "{0}", which it refuses with an error.
    # An unknown {placeholder} stays visible for the agent instead of breaking the reply.
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body)


@transaction.atomic
def agent_reply(
    *, case: Case, agent, body: str, canned_reply: CannedReply | None = None, wait_for_buyer: bool = False
) -> OutboundMessage:
    """An agent writes to the buyer; sent through the outbox like every other e-mail."""
    if canned_reply is not None and canned_reply.shop_id not in (None, case.shop_id):
        # Another shop's texts are that shop's business: answered as if there were no such reply.
        raise ValidationError({"canned_reply": [gettext("No such canned reply.")]})
    case = case_lock(case)
    if canned_reply is not None and not body.strip():
        body = canned_reply.body
    body = canned_reply_fill(body=body, case=case, agent=agent).strip()
    if not body:
        raise ValidationError({"body": [gettext("A reply cannot be empty.")]})
    last_inbound = case.inbound_messages.exclude(message_id="").order_by("-received_at", "-id").first()
    context = {"body": body}
    if last_inbound is not None:
        # Threads the answer under the buyer's last e-mail in their mail client.
        context["in_reply_to"] = last_inbound.message_id
        if last_inbound.subject:
            context["subject"] = (
                last_inbound.subject
                if last_inbound.subject.lower().startswith(("re:", "aw:", "sv:"))
                else f"Re: {last_inbound.subject}"
            )
    message = notify_buyer(case=case, event=BuyerEvent.AGENT_REPLY, context=context, author=agent)
    if message is None:
        raise ValidationError({"body": [gettext("This case has no buyer e-mail address to write to.")]})
    case_event(
        case,
        Verb.REPLIED,
        actor=agent,
        message_id=message.pk,
        canned=canned_reply.pk if canned_reply else None,
    )
    case_mark_responded(case)
    case_reindex(case)
    if wait_for_buyer and case.can_move_to(CaseStatus.WAITING_ON_BUYER):
        move_locked(case, CaseStatus.WAITING_ON_BUYER, actor=agent, reason=because(Reason.REPLIED_TO_BUYER))
    return message
