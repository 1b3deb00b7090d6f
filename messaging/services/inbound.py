"""A buyer's e-mail arrives: thread it onto its case, or open an enquiry in the shop it was written to.

A reply enters a case's thread only when it comes from someone we wrote to
about that case: the case's buyer, or a recipient of its e-mails. Reply
addresses and Message-IDs travel with every e-mail we send, so anyone who saw
one can write to them; such a mail, or one whose sender's domain says it is
forged, opens an enquiry of its own marked "sender differs", and the case it
claims to answer is not touched.

Everything that reads the text (quotes, HTML, images) runs before the
transaction: while it runs no row is locked, so an agent's note on the same
case never waits for a stranger's megabyte.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from PIL import Image

from cases import signals
from cases.events import case_event
from cases.models import Case, CaseKind, CaseStatus, OpenedVia
from cases.search import case_reindex
from cases.services import case_buyer_wrote, case_lock, case_open, move_locked
from cases.verbs import Reason, Verb, because
from orders.models import Buyer, Order, Shop
from orders.names import clean_name

from ..mailparse import (
    MAX_TEXT_CHARS,
    InboundAttachmentIn,
    InboundIn,
    html_text,
    is_automatic,
    recipient_addresses,
    referenced_message_ids,
    reply_tokens,
    safe_filename,
    sniff_type,
    strip_quoted,
)
from ..models import InboundAttachment, InboundDelivery, InboundMessage, OutboundMessage, SenderDiffers


@dataclass(frozen=True)
class InboundRoute:
    """Where a mail belongs: the e-mail of ours it answers, the shop, and whether its sender may answer it."""

    thread: OutboundMessage | None
    shop: Shop | None
    sender_differs: str = SenderDiffers.NO


def _thread_message(mail: InboundIn) -> OutboundMessage | None:
    for token in reply_tokens(mail):
        found = OutboundMessage.objects.filter(reply_token=token).select_related("case__shop").first()
        if found:
            return found
    ordered = referenced_message_ids(mail)
    if ordered:
        found = OutboundMessage.objects.filter(message_id__in=ordered).select_related("case__shop")
        by_id = {m.message_id: m for m in found}
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


def _thread_recipients(thread: OutboundMessage) -> set[str]:
    """Who may answer a case's e-mails: its buyer (and the order's), and everyone we wrote to about it."""
    case = thread.case
    addresses = set(
        OutboundMessage.objects.filter(case_id=case.pk).values_list("to_email", flat=True).distinct()
    )
    addresses |= set(
        Buyer.objects.filter(Q(cases__pk=case.pk) | Q(orders__cases__pk=case.pk)).values_list(
            "email", flat=True
        )
    )
    return {address.strip().lower() for address in addresses if address}


def inbound_route(mail: InboundIn) -> InboundRoute:
    """Which case or shop a mail belongs to, and whether its sender may answer the thread it names."""
    thread = _thread_message(mail)
    if thread is not None and thread.case_id is None:
        # An answer to news of a parcel: there is no case to thread it onto, so it opens one in that shop.
        shop = Shop.objects.filter(orders__shipments__outbound_messages=thread).first()
        differs = SenderDiffers.NOT_AUTHENTICATED if mail.authentication.failed else SenderDiffers.NO
        return InboundRoute(thread=None, shop=shop, sender_differs=differs)
    if thread is None:
        differs = SenderDiffers.NOT_AUTHENTICATED if mail.authentication.failed else SenderDiffers.NO
        return InboundRoute(thread=None, shop=_shop_for_recipient(mail), sender_differs=differs)
    sender = (mail.from_email or "").strip().lower()
    if sender not in _thread_recipients(thread):
        differs = SenderDiffers.NOT_A_RECIPIENT
    elif mail.authentication.failed:
        differs = SenderDiffers.NOT_AUTHENTICATED
    else:
        differs = SenderDiffers.NO
    return InboundRoute(thread=thread, shop=thread.case.shop, sender_differs=differs)


@dataclass
class _Read:
    """What the mail says and carries, read before any row is locked."""

    body: str
    full_body: str
    stored: list[InboundAttachmentIn] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)


def _read(mail: InboundIn) -> _Read:
    text = (mail.text or "")[:MAX_TEXT_CHARS]
    body = strip_quoted(text) or (strip_quoted(html_text(mail.html)) if mail.html else "")
    read = _Read(body=body, full_body=text)
    for attachment in mail.attachments:
        problem = attachment_problem(attachment)
        if problem:
            read.rejected.append({"filename": attachment.filename[:200], "reason": problem})
        else:
            read.stored.append(attachment)
    return read


def inbound_receive(
    *, mail: InboundIn, route: InboundRoute | None = None, delivery: InboundDelivery | None = None
) -> InboundMessage | None:
    """Thread a buyer's e-mail onto its case, or open an enquiry for a new sender.

    Returns None for mail we keep out: the same Message-ID twice, a bounce or
    auto-reply that belongs to no case.
    """
    read = _read(mail)
    route = route or inbound_route(mail)
    with transaction.atomic():
        return _receive(mail, route, read, delivery)


def _receive(mail: InboundIn, route: InboundRoute, read: _Read, delivery) -> InboundMessage | None:
    if mail.message_id and InboundMessage.objects.filter(message_id=mail.message_id[:250]).exists():
        return None
    automatic = is_automatic(mail)
    thread, differs = route.thread, route.sender_differs
    case = None
    if thread is not None and not differs:
        case = case_lock(thread.case)
        if case.status == CaseStatus.CLOSED:
            # A closed case stays closed; the buyer's new words start a new one.
            case = None
    if case is None:
        if automatic:
            return None
        if route.shop is None:
            return None
        case = _open_enquiry(mail, route)
    message = InboundMessage.objects.create(
        case=case,
        in_reply_to=thread if thread is not None and (thread.case_id == case.pk or differs) else None,
        from_email=mail.from_email[:254],
        from_name=clean_name(mail.from_name),
        to_email=", ".join(mail.to)[:254],
        subject=mail.subject[:300],
        body=read.body,
        full_body=read.full_body,
        message_id=mail.message_id[:250],
        auto_submitted=automatic,
        rejected_attachments=read.rejected,
        delivery=delivery,
        sender_differs=differs,
        spf=mail.authentication.spf,
        dkim=mail.authentication.dkim,
        dmarc=mail.authentication.dmarc,
        spam_score=mail.spam_score,
        spam_detected=mail.spam_detected,
    )
    for attachment in read.stored:
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
        attachments=len(read.stored),
        rejected=len(read.rejected),
    )
    if not automatic:
        case_buyer_wrote(case, text=read.body, at=message.received_at)
    case_reindex(case)
    photos = sum(1 for attachment in read.stored if sniff_type(attachment.content).startswith("image/"))
    if photos and not automatic and not differs:
        # Only the buyer's own mail: photos from a stranger answering the thread prove nothing.
        signals.buyer_sent_photos.send(sender=Case, case=case, photos=photos)
    if not automatic and not differs and case.status in (CaseStatus.WAITING_ON_BUYER, CaseStatus.RESOLVED):
        # The buyer answered: the case goes back to the queue.
        move_locked(case, CaseStatus.IN_PROGRESS, reason=because(Reason.BUYER_REPLIED))
    return message


def _open_enquiry(mail: InboundIn, route: InboundRoute):
    shop = route.shop
    email = mail.from_email.strip().lower()
    buyer = Buyer.objects.filter(shop=shop, email__iexact=email).first()
    if buyer is None:
        buyer = Buyer.objects.create(shop=shop, email=email, name=clean_name(mail.from_name))
    case = case_lock(
        case_open(
            kind=CaseKind.ENQUIRY,
            shop=shop,
            opened_via=OpenedVia.EMAIL,
            buyer=buyer,
            subject=mail.subject or "",
        )
    )
    if route.sender_differs:
        # The agent must see it before answering: the reply goes to this sender, not to the buyer
        # of the case the mail names, and nothing of that case is shown to them.
        answers = route.thread.case.reference if route.thread else ""
        case_event(
            case,
            Verb.EMAIL_SENDER_DIFFERS,
            new=email,
            reason=because(
                Reason.SENDER_NOT_A_RECIPIENT
                if route.sender_differs == SenderDiffers.NOT_A_RECIPIENT
                else Reason.SENDER_NOT_AUTHENTICATED,
                case=answers,
            ),
            answers=answers,
        )
    return case


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
