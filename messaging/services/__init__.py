"""Writes of the messaging app, one module per capability; this package is their public face.

outbox    queue e-mails to the buyer and the owners, sent after the caller's commit
sending   claim a queued row, render it, hand it to the mail server; sweep up lost rows
tracking  what the ESP reports afterwards: delivered, bounced, marked as spam
deliveries  the ESP's inbound posts: stored as they came, read by a worker, held above the rate limits
inbound   a buyer's e-mail threaded onto its case, or a new enquiry (sender checked)
replies   agents' answers to the buyer, canned replies filled from the case
feedback  the buyer's rating from the feedback e-mail

Reading a mail without the database (quotes, auto-replies, attachment types) is `messaging.mailparse`;
what anymail posts, and whether the ESP's webhooks are locked, `messaging.esp`.
"""

from ..mailparse import InboundAttachmentIn, InboundIn
from .deliveries import (
    inbound_deliveries_sweep,
    inbound_delivery_process,
    inbound_delivery_release,
    inbound_delivery_store,
)
from .feedback import feedback_case, feedback_record
from .inbound import InboundRoute, inbound_receive, inbound_route
from .outbox import notify_buyer, notify_owners
from .replies import agent_reply, canned_reply_fill
from .sending import SendOutcome, outbox_send, outbox_sweep
from .tracking import delivery_event_record

__all__ = [
    "InboundAttachmentIn",
    "InboundIn",
    "InboundRoute",
    "SendOutcome",
    "agent_reply",
    "canned_reply_fill",
    "delivery_event_record",
    "feedback_case",
    "feedback_record",
    "inbound_deliveries_sweep",
    "inbound_delivery_process",
    "inbound_delivery_release",
    "inbound_delivery_store",
    "inbound_receive",
    "inbound_route",
    "notify_buyer",
    "notify_owners",
    "outbox_send",
    "outbox_sweep",
]
