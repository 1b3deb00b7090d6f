"""Playbook steps: ticked by an agent, or by themselves when the e-mail they consist of goes out."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.verbs import Verb
from messaging.public import BuyerEvent, notify_buyer
from orders.links import portal_link
from returns import public as returns

from ..models import Claim, PlaybookStep
from ..playbooks import playbook_for


@transaction.atomic
def playbook_step_done(*, claim: Claim, key: str, actor) -> PlaybookStep:
    keys = [step.key for step in playbook_for(claim.type)]
    if key not in keys:
        raise ValidationError({"key": [_("%(key)s is not a step of this playbook.") % {"key": repr(key)}]})
    step, created = PlaybookStep.objects.get_or_create(claim=claim, key=key, defaults={"done_by": actor})
    if created:
        case_event(claim.case, Verb.PLAYBOOK_STEP, actor=actor, new=key)
        _send_step_email(claim, key, actor=actor)
    return step


def _send_step_email(claim: Claim, key: str, *, actor=None) -> None:
    """The e-mail a step names goes out when the agent ticks it, unless the buyer already had it.

    "Ask the buyer to check with the neighbours" is done by sending that e-mail; the
    acknowledgement usually went out when the claim was opened, and is not sent twice.
    """
    event = next(step.email_event for step in playbook_for(claim.type) if step.key == key)
    if not event or claim.case.outbound_messages.filter(event=event).exists():
        return
    if event == BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS:
        ask_to_check(claim)
    elif event == BuyerEvent.RETURN_LABEL:
        send_return_label(claim, actor=actor)
    elif event == BuyerEvent.PHOTOS_REQUESTED:
        ask_for_photos(claim)
    else:
        notify_buyer(case=claim.case, event=event)


def ask_to_check(claim: Claim, *, buyer_message: str = "", author=None) -> None:
    """Ask the buyer to look for a parcel marked delivered, with its shipping documents."""
    notify_buyer(
        case=claim.case,
        event=BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS,
        attachments=_shipping_documents(claim),
        context={"buyer_message": buyer_message} if buyer_message else None,
        author=author if buyer_message else None,
    )
    tick_steps_for(claim, BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS)


def send_return_label(claim: Claim, *, actor=None) -> None:
    """The wrong item goes back: a return on the claim's case, its label made and e-mailed to the buyer.

    The items the claim names go back, else the whole order (the buyer got a different parcel).
    """
    named = [(line.order_line, line.quantity) for line in claim.lines.select_related("order_line")]
    lines = named or [(line, line.quantity) for line in claim.case.order.lines.all()]
    returns.return_for_claim(
        case=claim.case, lines=lines, reason=returns.ReturnReason.WRONG_ITEM, actor=actor
    )


def ask_for_photos(claim: Claim) -> None:
    """Ask for photos of the goods and the box, with a link to the portal page that takes them.

    Photos the buyer already sent need no asking: nothing goes out.
    """
    if claim.photos.exists():
        return
    order = claim.case.order
    notify_buyer(
        case=claim.case,
        event=BuyerEvent.PHOTOS_REQUESTED,
        context={"photos_link": portal_link(order, photos_for=claim.case.reference) if order else ""},
    )


def photos_arrived(claim: Claim) -> None:
    """The buyer's photos are here: the step that asks for them is done, whoever asked."""
    step = next(
        (step for step in playbook_for(claim.type) if step.email_event == BuyerEvent.PHOTOS_REQUESTED), None
    )
    if step is not None:
        _, created = PlaybookStep.objects.get_or_create(claim=claim, key=step.key)
        if created:
            case_event(claim.case, Verb.PLAYBOOK_STEP, new=step.key)


def tick_steps_for(claim: Claim, event: BuyerEvent, *, new_claim: bool = False) -> None:
    """The playbook step that consists of sending this e-mail is done once it is sent, whoever sent it.

    Only the first such step: a later one naming the same e-mail (photos asked for in the
    acknowledgement) still waits for the agent to see the answer. `new_claim`: opened in
    this transaction, so no step can be done yet (one INSERT instead of a look-up first).
    """
    step = next((step for step in playbook_for(claim.type) if step.email_event == event), None)
    if step is not None:
        if new_claim:
            PlaybookStep.objects.create(claim=claim, key=step.key)
            created = True
        else:
            _, created = PlaybookStep.objects.get_or_create(claim=claim, key=step.key)
        if created:
            case_event(claim.case, Verb.PLAYBOOK_STEP, new=step.key)


def _shipping_documents(claim: Claim) -> list[tuple[str, bytes, str]]:
    """The parcel's label copy: what the neighbours and the post office ask to see before they look."""
    shipment = claim.shipment if claim.shipment_id else None
    if shipment is None or not shipment.label_document:
        return []
    try:
        with shipment.label_document.open("rb") as document:
            content = document.read()
    except OSError:
        return []  # a label copy gone from storage must not stop the e-mail
    # Stored under a random name; the buyer gets it named after the parcel.
    name = f"label-{shipment.tracking_number}{Path(shipment.label_document.name).suffix}"
    return [(name, content, mimetypes.guess_type(name)[0] or "application/octet-stream")]
