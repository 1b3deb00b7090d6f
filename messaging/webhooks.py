"""Receivers of anymail's signals: every ESP's webhooks arrive here already verified and normalised.

Anymail checks the basic-auth secret and the ESP's own signature before it
sends a signal, so a forged request never reaches these functions.
"""

from anymail.signals import inbound, tracking
from django.dispatch import receiver

from .mailparse import InboundAttachmentIn, InboundIn
from .services.inbound import inbound_receive
from .services.tracking import delivery_event_record


@receiver(tracking, dispatch_uid="messaging.tracking")
def on_tracking(sender, event, esp_name, **kwargs):
    delivery_event_record(
        esp=esp_name.lower(),
        event_type=event.event_type,
        event_id=event.event_id,
        esp_message_id=event.message_id or "",
        recipient=event.recipient or "",
        metadata=event.metadata,
        description=event.description or event.mta_response or "",
        occurred_at=event.timestamp,
    )


@receiver(inbound, dispatch_uid="messaging.inbound")
def on_inbound(sender, event, esp_name, **kwargs):
    inbound_receive(mail=inbound_from_anymail(event.message))


def inbound_from_anymail(message) -> InboundIn:
    sender = message.from_email
    recipients = [address.addr_spec for address in [*message.to, *message.cc]]
    if message.envelope_recipient:
        recipients.insert(0, message.envelope_recipient)
    return InboundIn(
        from_email=sender.addr_spec if sender else "",
        from_name=sender.display_name if sender else "",
        to=recipients,
        subject=message.subject or "",
        text=message.text or "",
        html=message.html or "",
        message_id=(message["Message-ID"] or "").strip(),
        in_reply_to=message["In-Reply-To"] or "",
        references=message["References"] or "",
        headers={key: str(value) for key, value in message.items()},
        content_type=message.get_content_type(),
        attachments=[
            InboundAttachmentIn(
                filename=part.get_filename() or "attachment",
                content=part.get_content_bytes() or b"",
                declared_type=part.get_content_type(),
            )
            for part in message.attachments
        ],
    )
