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


def _tracked_message(*, esp_message_id: str, recipient: str) -> OutboundMessage | None:
    """The e-mail an event is about: by the id the ESP gave it when it accepted it, never by our key.

    Our primary key travels in the metadata too (the ESP's dashboard shows it), but whoever
    posts an event can write any number there, and our keys count up one by one. The ESP's
    id, or the random Message-ID an SMTP relay reports, is known only to the ESP and us.
    """
    if not esp_message_id:
        return None
    found = OutboundMessage.objects.filter(esp_message_id=esp_message_id).first()
    if found is None:
        # SMTP relays report our own Message-ID, with or without the angle brackets.
        bare = esp_message_id.strip("<>")
        found = OutboundMessage.objects.filter(message_id=f"<{bare}>").first()
    if found is not None and recipient and recipient.strip().lower() != found.to_email.lower():
        # The id of one e-mail with another address: not an event any ESP sends about this e-mail.
        return None
    return found


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
    description: str = "",
    occurred_at: datetime | None = None,
) -> DeliveryEvent | None:
    """Apply one ESP tracking event; the same event posted twice is recorded once."""
    if not event_id:
        # Some ESPs send no event id; the message, type and time identify the event as well.
        event_id = hashlib.sha256(
            f"{esp_message_id}|{event_type}|{recipient}|{occurred_at}".encode()
        ).hexdigest()
    message = _tracked_message(esp_message_id=esp_message_id, recipient=recipient)
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
    if moved and message.case_id and to in (OutboundStatus.BOUNCED, OutboundStatus.COMPLAINED):
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
