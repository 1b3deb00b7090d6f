"""What the ESP tells us after sending: delivered, bounced, marked as spam."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.events import case_event
from cases.verbs import Verb

from ..models import DeliveryEvent, OutboundMessage, OutboundStatus

# Which status an ESP event may move a row to, and from which statuses. A late
# "delivered" never hides an earlier bounce; a complaint can follow delivery.
TRACKING_MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "delivered": (OutboundStatus.DELIVERED, (OutboundStatus.SENDING, OutboundStatus.SENT)),
    "bounced": (
        OutboundStatus.BOUNCED,
        (OutboundStatus.SENDING, OutboundStatus.SENT, OutboundStatus.DELIVERED),
    ),
    "rejected": (OutboundStatus.BOUNCED, (OutboundStatus.SENDING, OutboundStatus.SENT)),
    "complained": (
        OutboundStatus.COMPLAINED,
        (OutboundStatus.SENDING, OutboundStatus.SENT, OutboundStatus.DELIVERED),
    ),
}


def _tracked_message(*, esp_message_id: str, metadata: dict | None) -> OutboundMessage | None:
    ours = (metadata or {}).get("postsale_message")
    if ours and str(ours).isdigit():
        found = OutboundMessage.objects.filter(pk=int(ours)).first()
        if found:
            return found
    if esp_message_id:
        found = OutboundMessage.objects.filter(esp_message_id=esp_message_id).first()
        if found:
            return found
        # SMTP relays report our own Message-ID, with or without the angle brackets.
        bare = esp_message_id.strip("<>")
        return OutboundMessage.objects.filter(message_id=f"<{bare}>").first()
    return None


# What the timeline says when the buyer's mail server refused an e-mail, or the buyer called it spam.
BOUNCE_VERBS = {OutboundStatus.BOUNCED: Verb.EMAIL_BOUNCED, OutboundStatus.COMPLAINED: Verb.EMAIL_COMPLAINED}


@transaction.atomic
def delivery_event_record(
    *,
    esp: str,
    event_type: str,
    event_id: str | None,
    esp_message_id: str = "",
    recipient: str = "",
    metadata: dict | None = None,
    description: str = "",
    occurred_at: datetime | None = None,
) -> DeliveryEvent | None:
    """Apply one ESP tracking event; the same event posted twice is recorded once."""
    if not event_id:
        # Some ESPs send no event id; the message, type and time identify the event as well.
        event_id = hashlib.sha256(
            f"{esp_message_id}|{event_type}|{recipient}|{occurred_at}".encode()
        ).hexdigest()
    message = _tracked_message(esp_message_id=esp_message_id, metadata=metadata)
    try:
        with transaction.atomic():
            event = DeliveryEvent.objects.create(
                message=message,
                esp=esp,
                event_id=str(event_id)[:250],
                event_type=event_type,
                recipient=recipient[:254],
                description=(description or "")[:2000],
                occurred_at=occurred_at,
            )
    except IntegrityError:
        return None
    move = TRACKING_MOVES.get(event_type)
    if message is None or move is None:
        return event
    to, allowed_from = move
    now = timezone.now()
    fields = {"status": to, "status_changed_at": now}
    if to == OutboundStatus.DELIVERED:
        fields["delivered_at"] = occurred_at or now
    if to in (OutboundStatus.BOUNCED, OutboundStatus.COMPLAINED):
        fields["last_error"] = (description or event_type)[:2000]
    moved = OutboundMessage.objects.filter(pk=message.pk, status__in=allowed_from).update(**fields)
    if moved and to in (OutboundStatus.BOUNCED, OutboundStatus.COMPLAINED):
        # The agent must know the buyer never read it, to try the phone instead.
        case_event(
            message.case,
            BOUNCE_VERBS[to],
            new=message.event,
            event=message.event,
            to=message.to_email,
            description=(description or "")[:300],
        )
    return event
