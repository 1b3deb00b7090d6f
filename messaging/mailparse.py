"""Reading a buyer's e-mail: what it says, who it answers, whether a machine wrote it, what it carries.

Pure functions of the mail itself: no database, no settings. The inbound
service (`messaging.services.inbound`) decides what the answers mean for a case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import getaddresses

from email_reply_parser import EmailReplyParser

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


# --- who wrote it, to whom, in answer to what ---------------------------------------


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


def reply_tokens(mail: InboundIn) -> list[str]:
    """The tokens of our Reply-To addresses (reply+<token>@…) the mail was sent to, in the order given."""
    tokens = []
    for address in mail.to:
        match = REPLY_TOKEN.match(address.strip())
        if match:
            tokens.append(match.group(1).lower())
    return tokens


def referenced_message_ids(mail: InboundIn) -> list[str]:
    """The Message-IDs the mail answers, the most telling first."""
    ids = MESSAGE_ID.findall(f"{mail.in_reply_to} {mail.references}")
    # The newest reference is the most specific; In-Reply-To comes first of all.
    return list(dict.fromkeys(ids[:1] + ids[::-1]))


def recipient_addresses(mail: InboundIn) -> list[str]:
    headers = {key.lower(): value or "" for key, value in mail.headers.items()}
    # A shop that forwards its support mailbox to us shows up only in the envelope headers.
    envelope = [headers.get("delivered-to", ""), headers.get("x-original-to", "")]
    return [address.lower() for _name, address in getaddresses([*mail.to, *envelope]) if address]


# --- the buyer's own words ------------------------------------------------------------

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


# --- what it carries ----------------------------------------------------------------

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


def safe_filename(filename: str, mimetype: str) -> str:
    """A name to store an attachment under: the sender's stem made harmless, the extension its real type's."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", filename.rsplit(".", 1)[0])[:80] or "attachment"
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}.get(
        mimetype, mimetype.rsplit("/", 1)[-1]
    )
    return f"{stem}.{extension}"
