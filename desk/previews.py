"""What an agent's click will do, shown before the click: who is told, and the e-mails themselves.

The preview runs the real service in a transaction and rolls it back, so the e-mail it
shows comes from the same service, the same outbox row and the same renderer as the one
that is sent: greeting, message, signature, language and footer alike. Nothing leaves
during a preview: e-mails and calls to providers are sent only after a commit, and this
transaction never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import MONEY_BACK, Action
from cases.models import Case
from cases.refunds import order_owed_amount
from claims import services as claims
from messaging.models import Audience, BuyerEvent, OutboundMessage
from messaging.rendering import Rendered, render_message
from messaging.services.buyer_texts import buyer_message_default

from .forms import ACTION_CHOICES
from .macros import macro_apply

# What each action does, said before the agent confirms it. Who hears of it is the point.
TELLS = {
    Action.REFUND: gettext_lazy(
        "The money goes back to the buyer's payment; the buyer gets the refund e-mail with your message."
    ),
    Action.PARTIAL_REFUND: gettext_lazy(
        "Part of the money goes back to the buyer's payment; the buyer gets the refund e-mail with your message."
    ),
    Action.STORE_CREDIT: gettext_lazy(
        "The buyer gets store credit and the e-mail about it with your message."
    ),
    Action.RESHIP: gettext_lazy(
        "A replacement goes out; the buyer gets the replacement e-mail with your message."
    ),
    Action.RESHIP_WITH_RETURN_LABEL: gettext_lazy(
        "A replacement with a return label goes out; the buyer gets the replacement e-mail with your message."
    ),
    Action.REMAKE: gettext_lazy(
        "The goods are made again; the buyer gets the replacement e-mail with your message."
    ),
    Action.REQUEST_INFO: gettext_lazy("The buyer gets your message; the case waits for their answer."),
    Action.CARRIER_CLAIM: gettext_lazy(
        "A claim against the carrier is drafted; the buyer is told the carrier investigates, with your message."
    ),
    Action.ESCALATE: gettext_lazy(
        "The shop's owners get an e-mail with your internal reason. The buyer is not told anything."
    ),
    Action.DENY: gettext_lazy(
        "The buyer gets the decline e-mail with your message. Your internal reason stays in the timeline."
    ),
    Action.HOLD_ORDER: gettext_lazy("The order is put on hold in the shop. Nobody is told."),
    Action.CANCEL_ORDER: gettext_lazy("The order is cancelled in the shop. The buyer gets no e-mail."),
}


def action_hints(case: Case) -> list[dict]:
    """Each action with the sentence that says what it does, and the confirm question built from it."""
    return [
        {
            "value": action.value,
            "label": action.label,
            "tells": str(TELLS[action]),
            "confirm": f"{TELLS[action]} {_('Do it now?')}",
        }
        for action in (Action(value) for value, _label in ACTION_CHOICES)
    ]


def act_message_default(case: Case, action: str, *, agent=None) -> str:
    """The message to the buyer the form starts with for this action: empty when the buyer is not told."""
    event = claims.buyer_event_for(case, action)
    if event is None:
        return ""
    context = {"refund_method_code": "store_credit"} if action == Action.STORE_CREDIT else {}
    if action in MONEY_BACK and case.order_id and order_owed_amount(case.order) > 0:
        # An unpaid invoice is reduced, not refunded: the message speaks of the invoice.
        context["invoice_reduced"] = True
    return buyer_message_default(case=case, event=event, action=action, context=context, agent=agent)


@dataclass
class Mail:
    to_buyer: bool
    to: str
    rendered: Rendered
    later: bool = False  # sent once the payment provider accepts the refund, not at the click


@dataclass
class Preview:
    mails: list[Mail] = field(default_factory=list)
    held_for_owner: bool = False


class _Undo(Exception):
    """Raised inside the preview's transaction so that everything in it is rolled back."""


def act_preview(*, case: Case, actor, **act_kwargs) -> Preview:
    """Run `claim_act` as the agent would, read the e-mails it queued, and undo all of it.

    Raises what `claim_act` raises (a missing reason, an amount above what is left), so the
    agent reads a refusal before confirming, next to the form.
    """

    def act(preview: Preview) -> bool:
        result = claims.claim_act(case=case, actor=actor, **act_kwargs)
        preview.held_for_owner = result.escalated_for_limit
        refund = result.resolution.refund if result.resolution is not None else None
        if refund is not None and refund.awaits_provider:
            # The buyer hears of it once the provider took the refund: show that e-mail now.
            claims.tell_refund(result.case, refund)
            return True
        return False

    return _dry_run(case, act)


def reply_preview(*, case: Case, agent, body: str, canned_reply=None) -> Preview:
    """The agent's reply as the buyer will read it: the real reply service (with the macro's actions,
    which may send more, such as the photos request), rolled back."""

    def reply(preview) -> bool:
        macro_apply(case=case, agent=agent, body=body, canned=canned_reply)
        return False  # nothing in a reply waits for a provider

    return _dry_run(case, reply)


def _dry_run(case: Case, do) -> Preview:
    """Call `do(preview)` in a transaction, render every e-mail it queued, then roll it all back.

    `do` returns True when the buyer's refund e-mail it queued goes out later than the click.
    """
    preview = Preview()
    try:
        with transaction.atomic():
            last = OutboundMessage.objects.aggregate(last=Max("pk"))["last"] or 0
            later = do(preview)
            for message in _queued_since(case, last):
                to_buyer = message.audience == Audience.BUYER
                preview.mails.append(
                    Mail(
                        to_buyer=to_buyer,
                        to=message.to_email,
                        rendered=render_message(message),
                        later=bool(later) and to_buyer and message.event == BuyerEvent.REFUND_ISSUED,
                    )
                )
            raise _Undo
    except _Undo:
        pass
    return preview


def _queued_since(case: Case, last: int):
    return (
        OutboundMessage.objects.filter(case__order=case.order_id, pk__gt=last)
        if case.order_id
        else OutboundMessage.objects.filter(case=case, pk__gt=last)
    ).select_related("case__shop", "case__order__buyer", "case__buyer", "author")
