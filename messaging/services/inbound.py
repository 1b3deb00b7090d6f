"""A buyer's e-mail arrives: thread it onto its case, or open an enquiry in the shop it was written to."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.html import strip_tags
from PIL import Image

from cases.events import case_event
from cases.models import CaseKind, CaseStatus, OpenedVia
from cases.services import case_lock, case_open, move_locked
from cases.verbs import Reason, Verb, because
from orders.models import Buyer, Order, Shop

from ..mailparse import (
    InboundAttachmentIn,
    InboundIn,
    is_automatic,
    recipient_addresses,
    referenced_message_ids,
    reply_tokens,
    safe_filename,
    sniff_type,
    strip_quoted,
)
from ..models import InboundAttachment, InboundMessage, OutboundMessage


def _thread_message(mail: InboundIn) -> OutboundMessage | None:
    for token in reply_tokens(mail):
        found = OutboundMessage.objects.filter(reply_token=token).first()
        if found:
            return found
    ordered = referenced_message_ids(mail)
    if ordered:
        by_id = {m.message_id: m for m in OutboundMessage.objects.filter(message_id__in=ordered)}
        for message_id in ordered:
            if message_id in by_id:
                return by_id[message_id]
    return None


def _shop_for_recipient(mail: InboundIn) -> Shop | None:
    """The shop an unthreaded mail was written to: by its address, else the sender's shop, else the first."""
    addresses = recipient_addresses(mail)
    if addresses:
        written_to = Q()
        for address in addresses:
            written_to |= Q(support_email__iexact=address)
        shops = {shop.support_email.lower(): shop for shop in Shop.objects.filter(written_to)}
        # In the order given: the webhook puts the envelope recipient, where the mail was delivered, first.
        for address in addresses:
            if address in shops:
                return shops[address]
    return _shop_of_buyer(mail.from_email) or Shop.objects.order_by("pk").first()


def _shop_of_buyer(email: str) -> Shop | None:
    # Mail to an unknown reply token (an old or mangled Reply-To) names no shop, but the sender's
    # purchases do; without them a Swedish buyer's mail became a case in whichever shop came first.
    email = (email or "").strip()
    if not email:
        return None
    shop_ids = set(Buyer.objects.filter(email__iexact=email).values_list("shop_id", flat=True))
    if len(shop_ids) == 1:
        return Shop.objects.filter(pk=shop_ids.pop()).first()
    latest = (
        Order.objects.filter(buyer__email__iexact=email)
        .order_by("-placed_at", "-pk")
        .values("shop_id")
        .first()
    )
    return Shop.objects.filter(pk=latest["shop_id"]).first() if latest else None


@transaction.atomic
def inbound_receive(*, mail: InboundIn) -> InboundMessage | None:
    """Thread a buyer's e-mail onto its case, or open an enquiry for a new sender.

    Returns None for mail we keep out: the same Message-ID twice, a bounce or
    auto-reply that belongs to no case.
    """
    if mail.message_id and InboundMessage.objects.filter(message_id=mail.message_id[:250]).exists():
        return None
    automatic = is_automatic(mail)
    thread = _thread_message(mail)
    case = thread.case if thread else None
    if case is not None:
        case = case_lock(case)
        if case.status == CaseStatus.CLOSED:
            # A closed case stays closed; the buyer's new words start a new one.
            case = None
    if case is None:
        if automatic:
            return None
        shop = thread.case.shop if thread else _shop_for_recipient(mail)
        if shop is None:
            return None
        email = mail.from_email.strip().lower()
        buyer = Buyer.objects.filter(shop=shop, email__iexact=email).first()
        if buyer is None:
            buyer = Buyer.objects.create(shop=shop, email=email, name=mail.from_name[:200])
        case = case_open(
            kind=CaseKind.ENQUIRY,
            shop=shop,
            opened_via=OpenedVia.EMAIL,
            buyer=buyer,
            subject=mail.subject or "",
        )
        case = case_lock(case)
    body = strip_quoted(mail.text) or strip_tags(mail.html or "").strip()
    stored, rejected = [], []
    for attachment in mail.attachments:
        problem = attachment_problem(attachment)
        if problem:
            rejected.append({"filename": attachment.filename[:200], "reason": problem})
        else:
            stored.append(attachment)
    message = InboundMessage.objects.create(
        case=case,
        in_reply_to=thread if thread and thread.case_id == case.pk else None,
        from_email=mail.from_email[:254],
        from_name=mail.from_name[:200],
        to_email=", ".join(mail.to)[:254],
        subject=mail.subject[:300],
        body=body,
        full_body=mail.text or "",
        message_id=mail.message_id[:250],
        auto_submitted=automatic,
        rejected_attachments=rejected,
    )
    for attachment in stored:
        mimetype = sniff_type(attachment.content)
        InboundAttachment.objects.create(
            message=message,
            file=ContentFile(attachment.content, name=safe_filename(attachment.filename, mimetype)),
            filename=attachment.filename[:200],
            mimetype=mimetype,
            size=len(attachment.content),
        )
    case_event(
        case,
        Verb.EMAIL_RECEIVED,
        new="auto" if automatic else "buyer",
        inbound_id=message.pk,
        attachments=len(stored),
        rejected=len(rejected),
    )
    if not automatic and case.status in (CaseStatus.WAITING_ON_BUYER, CaseStatus.RESOLVED):
        # The buyer answered: the case goes back to the queue.
        move_locked(case, CaseStatus.IN_PROGRESS, reason=because(Reason.BUYER_REPLIED))
    return message


def attachment_problem(attachment: InboundAttachmentIn) -> str:
    if not attachment.content:
        return "empty"
    if len(attachment.content) > settings.POSTSALE_INBOUND_MAX_ATTACHMENT_BYTES:
        return "too large"
    mimetype = sniff_type(attachment.content)
    if not mimetype:
        return "not a photo or PDF"
    if mimetype in ("image/png", "image/jpeg", "image/gif", "image/webp"):
        try:
            with Image.open(io.BytesIO(attachment.content)) as image:
                image.verify()
        except Exception:
            return "damaged image"
    return ""
