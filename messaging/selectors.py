"""Reads of the messaging app shared by the API and the desk pages."""

from django.db.models import Q, QuerySet

from config.queries import prefetched
from orders import tenancy

from .models import Audience, CannedReply, InboundAttachment, InboundMessage, OutboundMessage


def conversation_reads(case) -> dict[str, QuerySet]:
    """What the case's conversation is made of: the e-mails to the buyer (with their author), the
    buyer's e-mails (with the case a "sender differs" mail names) and their attachments."""
    return {
        "outbound": OutboundMessage.objects.filter(case=case, audience=Audience.BUYER).select_related(
            "author"
        ),
        "inbound": InboundMessage.objects.filter(case=case).select_related("in_reply_to__case"),
        "attachments": InboundAttachment.objects.filter(message__case=case),
    }


def case_conversation(case, rows: dict[str, list] | None = None) -> list[dict]:
    """The buyer-facing conversation of a case, oldest first.

    `rows`: `conversation_reads` already fetched (a page reads them with everything else in one
    round trip); otherwise three queries whatever the number of messages.
    """
    rows = rows or {name: list(queryset) for name, queryset in conversation_reads(case).items()}
    attachments: dict[int, list] = {}
    for attachment in rows["attachments"]:
        attachments.setdefault(attachment.message_id, []).append(attachment)
    for message in rows["inbound"]:
        prefetched(message, "attachments", attachments.get(message.pk, []))
    items = [{"direction": "out", "at": m.created_at, "message": m} for m in rows["outbound"]]
    items += [{"direction": "in", "at": m.received_at, "message": m} for m in rows["inbound"]]
    return sorted(items, key=lambda item: item["at"])


def canned_replies_for(*, shop, language: str | None = None) -> QuerySet[CannedReply]:
    replies = CannedReply.objects.filter(Q(shop=shop) | Q(shop__isnull=True))
    return replies.filter(language=language) if language else replies


def canned_replies_seen_by(user) -> QuerySet[CannedReply]:
    """The texts of the user's shops, and the shared ones (no shop) that every shop uses."""
    ids = tenancy.shop_ids(user)
    replies = CannedReply.objects.all()
    return replies if ids is None else replies.filter(Q(shop__isnull=True) | Q(shop_id__in=ids))
