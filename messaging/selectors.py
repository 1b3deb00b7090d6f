"""Reads of the messaging app shared by the API and the desk pages."""

from django.db.models import Q, QuerySet

from orders import tenancy

from .models import Audience, CannedReply, InboundMessage, OutboundMessage


def case_conversation(case) -> list[dict]:
    """The buyer-facing conversation of a case, oldest first.

    Three queries whatever the number of messages: outbound with author, inbound
    with the case a "sender differs" mail names, its attachments prefetched.
    """
    outbound = OutboundMessage.objects.filter(case=case, audience=Audience.BUYER).select_related("author")
    inbound = (
        InboundMessage.objects.filter(case=case)
        .select_related("in_reply_to__case")
        .prefetch_related("attachments")
    )
    items = [{"direction": "out", "at": m.created_at, "message": m} for m in outbound]
    items += [{"direction": "in", "at": m.received_at, "message": m} for m in inbound]
    return sorted(items, key=lambda item: item["at"])


def canned_replies_for(*, shop, language: str | None = None) -> QuerySet[CannedReply]:
    replies = CannedReply.objects.filter(Q(shop=shop) | Q(shop__isnull=True))
    return replies.filter(language=language) if language else replies


def canned_replies_seen_by(user) -> QuerySet[CannedReply]:
    """The texts of the user's shops, and the shared ones (no shop) that every shop uses."""
    ids = tenancy.shop_ids(user)
    replies = CannedReply.objects.all()
    return replies if ids is None else replies.filter(Q(shop__isnull=True) | Q(shop_id__in=ids))
