"""Writes of the messaging app: queue e-mails, send them, record what the ESP and the buyer answer.

Callers queue an e-mail inside the transaction of the change it reports
(`notify_buyer`, `notify_owners`); the row is sent after commit by
`messaging.tasks.send_message`, and swept up by `outbox_sweep` if that task
never ran.
"""

from __future__ import annotations

import hashlib
import io
import logging
import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, getaddresses, make_msgid, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError, VariableDoesNotExist
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext
from email_reply_parser import EmailReplyParser
from PIL import Image

from cases.events import case_event
from cases.models import Case, CaseKind, CaseStatus, OpenedVia
from cases.services import case_lock, case_mark_responded, case_open, move_locked
from cases.verbs import Reason, Verb, because
from config.roles import OWNERS
from orders.models import Buyer, Order, Shop

from . import mailer
from .models import (
    Audience,
    BuyerEvent,
    CannedReply,
    DeliveryEvent,
    FeedbackRating,
    InboundAttachment,
    InboundMessage,
    OutboundAttachment,
    OutboundMessage,
    OutboundStatus,
    OwnerNotificationSetting,
)
from .rendering import FEEDBACK_SALT, case_context, render_message

logger = logging.getLogger(__name__)


def reply_domain() -> str:
    return settings.POSTSALE_REPLY_DOMAIN


def _enqueue_after_commit(message_id: int) -> None:
    from .tasks import send_message

    transaction.on_commit(lambda: send_message.delay(message_id))


def _new_message(
    *,
    case: Case,
    event: str,
    sequence: int | None,
    audience: str,
    to_email: str,
    to_name: str = "",
    recipient_user=None,
    author=None,
    context: dict | None,
    attachments: list[tuple[str, bytes, str]] | None,
) -> OutboundMessage:
    fixed = sequence is not None
    for _attempt in range(5):
        if not fixed:
            last = OutboundMessage.objects.filter(case=case, event=event).aggregate(m=Max("sequence"))["m"]
            sequence = (last or 0) + 1
        try:
            # A savepoint, so a lost race on the sequence leaves the caller's transaction usable.
            with transaction.atomic():
                message = OutboundMessage.objects.create(
                    case=case,
                    event=event,
                    sequence=sequence,
                    audience=audience,
                    to_email=to_email,
                    to_name=to_name[:200],
                    recipient_user=recipient_user,
                    author=author if getattr(author, "is_authenticated", False) else None,
                    context=context or {},
                    message_id=make_msgid(domain=reply_domain()),
                    reply_token=secrets.token_hex(12),
                )
                for filename, content, mimetype in attachments or []:
                    OutboundAttachment.objects.create(
                        message=message, filename=filename, content=content, mimetype=mimetype
                    )
        except IntegrityError:
            if fixed:
                # The caller ran before with this sequence: the e-mail is already on its way.
                return OutboundMessage.objects.get(case=case, event=event, sequence=sequence)
            continue
        _enqueue_after_commit(message.pk)
        return message
    raise RuntimeError(f"Could not allocate a sequence for {event} on case {case.pk}")


def notify_buyer(
    *,
    case: Case,
    event: str,
    context: dict | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    sequence: int | None = None,
    author=None,
) -> OutboundMessage | None:
    """Queue an e-mail to the case's buyer, sent after the caller's transaction commits.

    Call it inside the transaction of the change it reports: if that rolls back,
    no e-mail goes out. `context` must be JSON (strings, numbers); the worker
    adds shop, case, order, parcel and refund details at send time. Returns None
    when there is nobody to write to.
    """
    buyer = case.buyer
    if buyer is None and case.order_id:
        buyer = case.order.buyer
    if buyer is None or not buyer.email:
        return None
    return _new_message(
        case=case,
        event=event,
        sequence=sequence,
        audience=Audience.BUYER,
        to_email=buyer.email,
        to_name=buyer.name,
        author=author,
        context=context,
        attachments=attachments,
    )


def owners_to_notify(event: str):
    User = get_user_model()
    switched_off = OwnerNotificationSetting.objects.filter(event=event, enabled=False).values("user_id")
    return (
        User.objects.filter(groups__name=OWNERS, is_active=True)
        .exclude(email="")
        .exclude(pk__in=switched_off)
        .distinct()
        .order_by("pk")
    )


def notify_owners(*, case: Case, event: str, context: dict | None = None) -> list[OutboundMessage]:
    """Queue one notification per owner who has not switched this event off."""
    return [
        _new_message(
            case=case,
            event=event,
            sequence=None,
            audience=Audience.OWNER,
            to_email=user.email,
            to_name=user.get_full_name() or user.get_username(),
            recipient_user=user,
            context=context,
            attachments=None,
        )
        for user in owners_to_notify(event)
    ]


# --- sending -----------------------------------------------------------------


@dataclass
class SendOutcome:
    sent: bool = False
    # Seconds until the task should look again; None when there is nothing left to do.
    retry_in: int | None = None


def backoff_seconds(attempts: int) -> int:
    # 30 s, 1 min, 2 min, … capped at an hour, with jitter so a recovering SMTP
    # server is not hit by every queued row in the same second.
    base = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return base + random.randint(0, base // 4)


def _from_address(case: Case) -> str:
    # The buyer sees the shop's name; the address stays ours so SPF and DKIM hold.
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((case.shop.name, address))


def build_email(message: OutboundMessage, rendered) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": message.message_id,
        "Content-Language": rendered.language,
        "X-Postsale-Case": message.case.reference,
    }
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
        from_email=_from_address(message.case),
        to=[formataddr((message.to_name, message.to_email))],
        reply_to=[f"reply+{message.reply_token}@{reply_domain()}"],
        headers=headers,
    )
    email.attach_alternative(rendered.html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    # Anymail passes these to the ESP, which echoes them in its tracking webhooks.
    email.metadata = {"postsale_message": str(message.pk), "case": message.case.reference}
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
    claimable = Q(status=OutboundStatus.QUEUED) | Q(
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
        OutboundMessage.objects.select_related("case__shop", "case__buyer", "case__order", "author")
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
    except Exception as exc:  # SMTP, network, ESP API errors: all worth another try
        failed = message.attempts + 1 >= settings.POSTSALE_EMAIL_MAX_ATTEMPTS
        retry_in = None if failed else backoff_seconds(message.attempts + 1)
        mine.update(
            status=OutboundStatus.FAILED if failed else OutboundStatus.QUEUED,
            claimed_at=None,
            last_error=repr(exc)[:2000],
            status_changed_at=timezone.now(),
            next_attempt_at=None if failed else timezone.now() + timedelta(seconds=retry_in),
        )
        logger.warning("Sending outbound message %s failed: %r", message_id, exc)
        if failed:
            case_event(
                message.case, Verb.EMAIL_FAILED, event=message.event, to=message.to_email, error=repr(exc)[:300]
            )
        return SendOutcome(retry_in=retry_in)

    status = getattr(email, "anymail_status", None)
    esp_id = (getattr(status, "message_id", None) or "") if status else ""
    sent_at = timezone.now()
    with transaction.atomic():
        mine.update(
            status=OutboundStatus.SENT,
            sent_at=sent_at,
            status_changed_at=sent_at,
            esp_message_id=str(esp_id)[:250],
            language=rendered.language,
            subject=rendered.subject[:300],
            body_text=rendered.text,
            last_error="",
        )
        case_event(
            message.case,
            Verb.EMAIL_SENT,
            new=message.event,
            event=message.event,
            to=message.to_email,
            language=rendered.language,
            message_id=message.pk,
        )
    return SendOutcome(sent=True)


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
    return list(
        OutboundMessage.objects.filter(due).order_by("created_at").values_list("pk", flat=True)[:limit]
    )


# --- ESP tracking ------------------------------------------------------------

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


# --- inbound -------------------------------------------------------------------

REPLY_TOKEN = re.compile(r"^reply\+([0-9a-f]{16,40})@", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
AUTO_FROM = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)[@+]", re.IGNORECASE)


@dataclass
class InboundAttachmentIn:
    filename: str
    content: bytes
    declared_type: str = ""


@dataclass
class InboundIn:
    from_email: str
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    attachments: list[InboundAttachmentIn] = field(default_factory=list)


def is_automatic(mail: InboundIn) -> bool:
    """Bounces, out-of-office notes and list mail: never answered, never a new case (RFC 3834)."""
    headers = {key.lower(): (value or "").lower() for key, value in mail.headers.items()}
    if headers.get("auto-submitted", "no").strip() not in ("", "no"):
        return True
    if headers.get("precedence", "").strip() in ("bulk", "junk", "list", "auto_reply"):
        return True
    # Not X-Auto-Response-Suppress: Outlook puts it on every mail a person writes, asking us
    # not to auto-reply; it says nothing about the mail itself being automatic.
    if any(key in headers for key in ("x-autoreply", "x-autorespond", "list-id")):
        return True
    if headers.get("return-path", "").strip() == "<>":
        return True
    if mail.content_type.lower().startswith("multipart/report"):
        return True
    return bool(AUTO_FROM.match(mail.from_email or ""))


def _thread_message(mail: InboundIn) -> OutboundMessage | None:
    for address in mail.to:
        match = REPLY_TOKEN.match(address.strip())
        if match:
            found = OutboundMessage.objects.filter(reply_token=match.group(1).lower()).first()
            if found:
                return found
    ids = MESSAGE_ID.findall(f"{mail.in_reply_to} {mail.references}")
    if ids:
        # The newest reference is the most specific; In-Reply-To comes first of all.
        ordered = list(dict.fromkeys(ids[:1] + ids[::-1]))
        by_id = {m.message_id: m for m in OutboundMessage.objects.filter(message_id__in=ordered)}
        for message_id in ordered:
            if message_id in by_id:
                return by_id[message_id]
    return None


def _recipient_addresses(mail: InboundIn) -> list[str]:
    headers = {key.lower(): value or "" for key, value in mail.headers.items()}
    # A shop that forwards its support mailbox to us shows up only in the envelope headers.
    envelope = [headers.get("delivered-to", ""), headers.get("x-original-to", "")]
    return [address.lower() for _name, address in getaddresses([*mail.to, *envelope]) if address]


def _shop_for_recipient(mail: InboundIn) -> Shop | None:
    """The shop an unthreaded mail was written to: by its address, else the sender's shop, else the first."""
    addresses = _recipient_addresses(mail)
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


# Where the quoted history starts in replies from the mail clients our buyers use; email_reply_parser
# only knows the English "On … wrote:". A buyer's own line rarely starts with a date and ends in "schrieb …:".
ATTRIBUTION = re.compile(r"^(?:(?:Am|Den|On)\s+\S.*?\d|\d).*\s(?:schrieb|skrev|wrote)\b.*:$")
ORIGINAL_SEPARATOR = re.compile(
    r"^-{2,}\s*(?:Ursprüngliche Nachricht|Original-Nachricht|Originalmeddelande|Original Message)\s*-{2,}$",
    re.IGNORECASE,
)
FROM_HEADER = re.compile(r"^\*?(?:Von|Från|From):\*?\s+\S")
SENT_HEADER = re.compile(r"^\*?(?:Gesendet|Skickat|Sent|Datum|Date):\*?\s+\S")


def _is_attribution(lines: list[str], index: int) -> bool:
    line = lines[index]
    if ATTRIBUTION.match(line):
        return True
    # Gmail wraps a long "… schrieb Name <address>:" line, often inside the address.
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return (
        bool(following)
        and not ATTRIBUTION.match(following)
        and bool(ATTRIBUTION.match(f"{line} {following}"))
    )


def _starts_header_block(lines: list[str], index: int) -> bool:
    # Outlook quotes "Von: … / Gesendet: … / An: … / Betreff: …" (GMX puts "Gesendet:" first).
    # Only the pair makes a header block: a buyer may well begin a sentence with "Von: ".
    nearby = lines[index + 1 : index + 4]
    if FROM_HEADER.match(lines[index]):
        return any(SENT_HEADER.match(line) for line in nearby)
    if SENT_HEADER.match(lines[index]):
        return any(FROM_HEADER.match(line) for line in nearby)
    return False


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if (
            ORIGINAL_SEPARATOR.match(line)
            or _is_attribution(lines, index)
            or _starts_header_block(lines, index)
        ):
            return index
    return None


def strip_quoted(text: str) -> str:
    """The buyer's new words, without the quoted history below them."""
    text = text or ""
    lines = text.replace("\r\n", "\n").split("\n")
    start = _quote_start([line.strip() for line in lines])
    # At the very top the buyer wrote below the quote, or nothing: the parser sorts that out alone.
    if start:
        text = "\n".join(lines[:start])
    reply = EmailReplyParser.parse_reply(text)
    return (reply or text).strip()


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
            file=ContentFile(attachment.content, name=_safe_filename(attachment.filename, mimetype)),
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


# Attachments are judged by their first bytes, not by the name or type the sender claims.
MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]


def sniff_type(content: bytes) -> str:
    for magic, mimetype in MAGIC:
        if content.startswith(magic):
            return mimetype
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic"
    return ""


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


def _safe_filename(filename: str, mimetype: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", filename.rsplit(".", 1)[0])[:80] or "attachment"
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}.get(
        mimetype, mimetype.rsplit("/", 1)[-1]
    )
    return f"{stem}.{extension}"


# --- agent replies ---------------------------------------------------------------


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def canned_reply_fill(*, body: str, case: Case, agent=None) -> str:
    """Fill the case's {placeholders} in a reply; every other brace stays exactly as the agent typed it."""
    values = {key: "" if value is None else str(value) for key, value in case_context(case).items()}
    if agent is not None:
        values["agent_name"] = agent.get_full_name() or agent.get_username()
    # Not str.format: agents paste discount codes like "{}" or "{0}", which it refuses with an error.
    # An unknown {placeholder} stays visible for the agent instead of breaking the reply.
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body)


@transaction.atomic
def agent_reply(
    *, case: Case, agent, body: str, canned_reply: CannedReply | None = None, wait_for_buyer: bool = False
) -> OutboundMessage:
    """An agent writes to the buyer; sent through the outbox like every other e-mail."""
    case = case_lock(case)
    if canned_reply is not None and not body.strip():
        body = canned_reply.body
    body = canned_reply_fill(body=body, case=case, agent=agent).strip()
    if not body:
        raise ValidationError({"body": [gettext("A reply cannot be empty.")]})
    last_inbound = case.inbound_messages.exclude(message_id="").order_by("-received_at", "-id").first()
    context = {"body": body}
    if last_inbound is not None:
        # Threads the answer under the buyer's last e-mail in their mail client.
        context["in_reply_to"] = last_inbound.message_id
        if last_inbound.subject:
            context["subject"] = (
                last_inbound.subject
                if last_inbound.subject.lower().startswith(("re:", "aw:", "sv:"))
                else f"Re: {last_inbound.subject}"
            )
    message = notify_buyer(case=case, event=BuyerEvent.AGENT_REPLY, context=context, author=agent)
    if message is None:
        raise ValidationError({"body": [gettext("This case has no buyer e-mail address to write to.")]})
    case_event(
        case, Verb.REPLIED, actor=agent, message_id=message.pk, canned=canned_reply.pk if canned_reply else None
    )
    case_mark_responded(case)
    if wait_for_buyer and case.can_move_to(CaseStatus.WAITING_ON_BUYER):
        move_locked(case, CaseStatus.WAITING_ON_BUYER, actor=agent, reason=because(Reason.REPLIED_TO_BUYER))
    return message


# --- feedback --------------------------------------------------------------------


def feedback_case(*, token: str, rating: int) -> Case:
    """The case a feedback link (token and rating) is for; ValidationError when it is not valid."""
    if rating not in range(1, 6):
        raise ValidationError({"rating": ["A rating is between 1 and 5."]})
    try:
        case_id = signing.loads(token, salt=FEEDBACK_SALT, max_age=timedelta(days=90))
    except signing.BadSignature as exc:
        raise ValidationError({"token": ["This feedback link is not valid or has expired."]}) from exc
    case = Case.objects.select_related("shop", "buyer").filter(pk=case_id).first()
    if case is None:
        raise ValidationError({"token": ["This feedback link is not valid or has expired."]})
    return case


@transaction.atomic
def feedback_record(*, token: str, rating: int) -> FeedbackRating:
    """Record a rating from the feedback e-mail; a later one replaces an earlier one."""
    case = case_lock(feedback_case(token=token, rating=rating))
    feedback, created = FeedbackRating.objects.update_or_create(case=case, defaults={"rating": rating})
    case_event(case, Verb.FEEDBACK_RATED, new=str(rating), rating=rating, changed=not created)
    return feedback
