"""Send queued e-mails: claim a row, render it in the reader's language, hand it to the mail server.

`outbox_send` is called by `messaging.tasks.send_message`; `outbox_sweep`
finds the rows whose task never ran or whose worker died.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError, VariableDoesNotExist
from django.utils import timezone

from cases.events import case_event
from cases.verbs import Verb
from config.db import until_it_holds
from config.retry import backoff_seconds
from orders.names import clean_name

from .. import mailer
from ..models import BuyerEvent, OutboundMessage, OutboundStatus
from ..rendering import render_message
from .outbox import reply_domain

logger = logging.getLogger(__name__)


@dataclass
class SendOutcome:
    sent: bool = False
    # Seconds until the task should look again; None when there is nothing left to do.
    retry_in: int | None = None


def _from_address(shop) -> str:
    # The buyer sees the shop's name; the address stays ours so SPF and DKIM hold.
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((clean_name(shop.name), address))


def build_email(message: OutboundMessage, rendered) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": message.message_id,
        "Content-Language": rendered.language,
    }
    reference = message.case.reference if message.case_id else ""
    if reference:
        headers["X-Postsale-Case"] = reference
    if message.event != BuyerEvent.AGENT_REPLY:
        # RFC 3834: tells auto-responders (out-of-office) not to answer a machine.
        headers["Auto-Submitted"] = "auto-generated"
    previous = message.context.get("in_reply_to") if message.context else None
    if previous:
        headers["In-Reply-To"] = previous
        headers["References"] = previous
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=_from_address(message.shop),
        # Names are cleaned where they are stored; a row from before that, or an owner's own name,
        # is cleaned here too, so a line break in a name never stops (or adds to) the e-mail.
        to=[formataddr((clean_name(message.to_name), message.to_email))],
        reply_to=[f"reply+{message.reply_token}@{reply_domain()}"],
        headers=headers,
    )
    email.attach_alternative(rendered.html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    # Anymail passes these to the ESP, which echoes them in its tracking webhooks.
    email.metadata = {"postsale_message": str(message.pk), "case": reference}
    email.tags = [message.event]
    return email


def outbox_send(*, message_id: int, now: datetime | None = None) -> SendOutcome:
    """Send one outbox row, at most once per claim.

    The claim is a compare-and-set from `queued` (or from a `sending` claim so
    old that its worker must be dead) to `sending`; a task delivered twice, or
    a sweep racing a late task, finds the row taken and does nothing.

    At-least-once, not at-most-once: if a worker dies after the SMTP server
    accepted the message but before the row says `sent`, the sweep sends it
    again after POSTSALE_EMAIL_STALE_SECONDS. We accept that rare duplicate
    (it carries the same Message-ID, so mail clients show it once) because the
    other choice, never retrying a claimed row, silently loses every e-mail
    whose worker died before the server accepted it. The window is kept small:
    the row is marked `sent` in the statement right after the server's reply.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.POSTSALE_EMAIL_STALE_SECONDS)
    # Queued and due: a stray copy of the task (a redelivery, a sweep's) must not send before the
    # backoff of the last failure is over.
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimable = Q(due, status=OutboundStatus.QUEUED) | Q(
        status=OutboundStatus.SENDING, claimed_at__lt=stale_before
    )
    claimed = OutboundMessage.objects.filter(claimable, pk=message_id).update(
        status=OutboundStatus.SENDING,
        claimed_at=now,
        attempts=F("attempts") + 1,
        status_changed_at=now,
        next_attempt_at=None,
    )
    if not claimed:
        current = OutboundMessage.objects.filter(pk=message_id).values("status", "claimed_at").first()
        if current and current["status"] == OutboundStatus.SENDING:
            # Another worker has it. Look again once its claim would be stale, in
            # case that worker dies before it finishes.
            waited = (now - current["claimed_at"]).total_seconds() if current["claimed_at"] else 0
            return SendOutcome(retry_in=max(int(settings.POSTSALE_EMAIL_STALE_SECONDS - waited) + 1, 1))
        return SendOutcome()

    # The message with its case and shop; buyer, order and parcel follow by primary key. One
    # query joining all eight tables cost PostgreSQL more to plan than the small ones cost to run.
    message = (
        OutboundMessage.objects.select_related(
            "case__shop", "case__buyer", "case__order", "author", "shipment__order__shop", "shipment__carrier"
        )
        .prefetch_related("attachments")
        .get(pk=message_id)
    )
    mine = OutboundMessage.objects.filter(pk=message_id, status=OutboundStatus.SENDING, claimed_at=now)
    try:
        rendered = render_message(message)
        email = build_email(message, rendered)
    except (TemplateDoesNotExist, TemplateSyntaxError, VariableDoesNotExist) as exc:
        # A broken template does not heal by waiting: fail now and show why.
        mine.update(
            status=OutboundStatus.FAILED, last_error=repr(exc)[:2000], status_changed_at=timezone.now()
        )
        logger.exception("Cannot render outbound message %s", message_id)
        return SendOutcome()
    try:
        mailer.send(email)
    except Exception as exc:
        return _record_failure(message, mine, exc)

    status = getattr(email, "anymail_status", None)
    esp_id = (getattr(status, "message_id", None) or "") if status else ""
    sent_at = timezone.now()

    @transaction.atomic
    def mark_sent() -> None:
        marked = mine.update(
            status=OutboundStatus.SENT,
            sent_at=sent_at,
            status_changed_at=sent_at,
            esp_message_id=str(esp_id)[:250],
            language=rendered.language,
            subject=rendered.subject[:300],
            body_text=rendered.text,
            last_error="",
        )
        # Not marked: an earlier try committed before its connection died, or an ESP's bounce came first.
        # News of a parcel (no case) has only its outbox row as record.
        if marked and message.case_id:
            case_event(
                message.case,
                Verb.EMAIL_SENT,
                new=message.event,
                event=message.event,
                to=message.to_email,
                language=rendered.language,
                message_id=message.pk,
            )

    # The server has it: a row left "sending" now would be sent again by the sweep.
    until_it_holds(mark_sent, budget_seconds=MARK_SENT_SECONDS, what=f"marking e-mail {message_id} sent")
    return SendOutcome(sent=True)


# Within the send task's time limits (messaging.tasks.send_message), after rendering and a slow server.
MARK_SENT_SECONDS = 45


def is_permanent(exc: Exception) -> bool:
    """Whether the mail server or ESP refused for good: waiting will not change its answer.

    SMTP says so with a 5xx reply (550 no such mailbox, 554 rejected); 4xx replies
    (451 try later, 452 mailbox full), timeouts and lost connections are temporary.
    An ESP refuses with an HTTP 4xx other than 408 and 429, or by rejecting every
    recipient (a hard bounce it remembers, an invalid address).
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    if isinstance(exc, AnymailRecipientsRefused):
        return True
    if isinstance(exc, AnymailAPIError):
        code = exc.status_code
        return code is not None and 400 <= code < 500 and code not in (408, 429)
    return False


def _record_failure(message: OutboundMessage, mine, exc: Exception) -> SendOutcome:
    # `attempts` counts the claim that made this attempt: the Nth failure of N configured is the last.
    permanent = is_permanent(exc)
    failed = permanent or message.attempts >= settings.POSTSALE_EMAIL_MAX_ATTEMPTS
    retry_in = None if failed else backoff_seconds(message.attempts, first=settings.POSTSALE_EMAIL_FIRST_RETRY)
    now = timezone.now()
    with transaction.atomic():
        recorded = mine.update(
            status=OutboundStatus.FAILED if failed else OutboundStatus.QUEUED,
            claimed_at=None,
            last_error=repr(exc)[:2000],
            status_changed_at=now,
            next_attempt_at=None if failed else now + timedelta(seconds=retry_in),
        )
        if recorded and failed and message.case_id:
            # The agent must know the buyer never got it, and why: to correct the address or call.
            case_event(
                message.case,
                Verb.EMAIL_FAILED,
                event=message.event,
                to=message.to_email,
                error=repr(exc)[:300],
                permanent=permanent,
                attempts=message.attempts,
            )
    logger.warning("Sending outbound message %s failed (attempt %s): %r", message.pk, message.attempts, exc)
    return SendOutcome(retry_in=retry_in if recorded else None)


def outbox_sweep(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of rows whose send task never ran or whose worker died; the caller re-enqueues them."""
    now = now or timezone.now()
    lost_after = now - timedelta(seconds=settings.POSTSALE_EMAIL_LOST_SECONDS)
    stale_before = now - timedelta(seconds=settings.POSTSALE_EMAIL_STALE_SECONDS)
    due = (
        Q(status=OutboundStatus.QUEUED, next_attempt_at__isnull=True, created_at__lt=lost_after)
        | Q(status=OutboundStatus.QUEUED, next_attempt_at__lt=lost_after)
        | Q(status=OutboundStatus.SENDING, claimed_at__lt=stale_before)
    )
    ids = list(OutboundMessage.objects.filter(due).order_by("created_at").values_list("pk", flat=True)[:limit])
    # The task queued for a row now is its task: the next sweep leaves the row alone for another
    # POSTSALE_EMAIL_LOST_SECONDS. Re-queueing every waiting row on every sweep flooded the queue
    # behind a backlog (each copy finds the row taken, but the real ones wait behind them).
    # (A few seconds back, so a worker whose clock is behind the sweeper's can claim it at once.)
    OutboundMessage.objects.filter(pk__in=ids, status=OutboundStatus.QUEUED).update(
        next_attempt_at=now - timedelta(seconds=5)
    )
    return ids
