"""Reading a buyer's e-mail: what it says, who it answers, whether a machine wrote it, what it carries.

Pure functions of the mail itself: no database, no settings. The inbound
service (`messaging.services.inbound`) decides what the answers mean for a case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import getaddresses
from html import unescape

REPLY_TOKEN = re.compile(r"^reply\+([0-9a-f]{16,40})@", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
AUTO_FROM = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)[@+]", re.IGNORECASE)


@dataclass
class InboundAttachmentIn:
    filename: str
    content: bytes
    declared_type: str = ""


@dataclass(frozen=True)
class Authentication:
    """What the receiving mail server found out about the sender: "pass", "fail", …, or "" (not stated)."""

    spf: str = ""
    dkim: str = ""
    dmarc: str = ""

    @property
    def failed(self) -> bool:
        """The sender's domain says the mail is not theirs: DMARC failed, or SPF failed and no DKIM passed.

        A forwarded mail may fail SPF alone; only the domain's own policy (DMARC), or the lack
        of any signature, makes a failure mean "forged".
        """
        return self.dmarc == "fail" or (not self.dmarc and self.spf == "fail" and self.dkim != "pass")


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
    authentication: Authentication = field(default_factory=Authentication)
    spam_score: float | None = None
    spam_detected: bool | None = None


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


# --- whether the sender is who they say ------------------------------------------------

AUTHENTICATION_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
VERDICTS = {
    "spf": {"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"},
    "dkim": {"pass", "fail", "neutral", "none", "policy", "temperror", "permerror"},
    "dmarc": {"pass", "fail", "none", "temperror", "permerror", "bestguesspass"},
}
# Verdicts longer than this are not read further: the receiving server writes a few hundred characters.
MAX_VERDICT_CHARS = 4_000


def _receivers_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers the receiving server (the ESP) wrote: those above the second Received header.

    Servers put their headers on top. Anything further down came with the mail, and a forger
    can write "Authentication-Results: spf=pass" into their own mail as easily as anything else.
    """
    received = [index for index, (name, _value) in enumerate(headers) if name.lower() == "received"]
    return headers[: received[1]] if len(received) > 1 else headers


def sender_authentication(headers: list[tuple[str, str]]) -> Authentication:
    """The SPF, DKIM and DMARC verdicts of the server that received the mail, in header order."""
    found: dict[str, str] = {}
    for name, value in _receivers_headers(headers):
        name, value = name.lower(), (value or "")[:MAX_VERDICT_CHARS]
        if name == "authentication-results" and not {"spf", "dkim", "dmarc"} <= found.keys():
            results: dict[str, list[str]] = {}
            for method, result in AUTHENTICATION_RESULT.findall(value):
                if result.lower() in VERDICTS[method.lower()]:
                    results.setdefault(method.lower(), []).append(result.lower())
            for method, verdicts in results.items():
                # One result per signature: any good signature is a good DKIM result.
                found.setdefault(method, "pass" if "pass" in verdicts else verdicts[0])
        elif name in ("received-spf", "x-mailgun-spf"):
            verdict = value.strip().split(None, 1)[0].lower() if value.strip() else ""
            if verdict in VERDICTS["spf"]:
                found.setdefault("spf", verdict)
        elif name == "x-mailgun-dkim-check-result":
            verdict = value.strip().lower()
            if verdict in VERDICTS["dkim"]:
                found.setdefault("dkim", verdict)
    return Authentication(**found)


# --- the buyer's own words ------------------------------------------------------------

# Everything here runs on text a stranger wrote, so every check is linear in the length of the text:
# plain string tests and patterns without two unbounded parts that could trade characters. The old
# attribution pattern (`^(?:Am|Den|On)\s+\S.*?\d.*\s(?:schrieb|skrev|wrote)\b.*:$`) tried every way of
# sharing a long line between its `.*?` and `.*`: 12.5 s for one 14 kB line, minutes for 100 kB.

# Beyond this the text of an e-mail is cut: a buyer's reply is a few lines, a hostile one is megabytes.
MAX_TEXT_CHARS = 1_000_000
# The buyer's new words are at the top: they are looked for in this much of the text. Each line costs a
# few checks, and a megabyte of empty lines is a million of them.
MAX_REPLY_CHARS = 100_000
MAX_REPLY_LINES = 2_000
# Attributions and quoted headers are one short line (two when Gmail wraps one): a longer line is
# the buyer's own paragraph, and is not looked at as a possible start of the quote.
MAX_MARKER_LINE = 1_000

# Where the quoted history starts in replies from the mail clients our buyers use: a line that starts
# with "Am"/"Den"/"On" and a date (or with the date itself) and ends in "schrieb …:" / "skrev …:" /
# "wrote …:". A buyer's own line rarely starts with a date and ends like that.
ATTRIBUTION_OPENING = re.compile(r"(?:Am|Den|On)\s+\S")
DIGIT = re.compile(r"\d")
ATTRIBUTION_VERB = re.compile(r"\s(?:schrieb|skrev|wrote)\b")
ORIGINAL_SEPARATOR = re.compile(
    r"^-{2,}\s*(?:Ursprüngliche Nachricht|Original-Nachricht|Originalmeddelande|Original Message)\s*-{2,}$",
    re.IGNORECASE,
)
FROM_HEADER = re.compile(r"^\*?(?:Von|Från|From):\*?\s+\S")
SENT_HEADER = re.compile(r"^\*?(?:Gesendet|Skickat|Sent|Datum|Date):\*?\s+\S")


def is_attribution_line(line: str) -> bool:
    """Whether a line is an attribution: "Am 23.11.2026 um 14:02 schrieb Leinen & Liebe <…>:" and its kin.

    Three forward searches, each starting where the last one stopped: the date's first digit
    after the opening, then a verb after that digit; and the colon at the end.
    """
    if not line.endswith(":"):
        return False
    if DIGIT.match(line):
        after_date = 1
    else:
        opening = ATTRIBUTION_OPENING.match(line)
        digit = DIGIT.search(line, opening.end()) if opening else None
        if digit is None:
            return False
        after_date = digit.end()
    return ATTRIBUTION_VERB.search(line, after_date) is not None


def _is_attribution(lines: list[str], index: int) -> bool:
    line = lines[index]
    if len(line) > MAX_MARKER_LINE:
        return False
    if is_attribution_line(line):
        return True
    # Gmail wraps a long "… schrieb Name <address>:" line, often inside the address.
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return (
        bool(following)
        and len(following) <= MAX_MARKER_LINE
        and not is_attribution_line(following)
        and is_attribution_line(f"{line} {following}")
    )


def _starts_header_block(lines: list[str], index: int) -> bool:
    # Outlook quotes "Von: … / Gesendet: … / An: … / Betreff: …" (GMX puts "Gesendet:" first).
    # Only the pair makes a header block: a buyer may well begin a sentence with "Von: ".
    if len(lines[index]) > MAX_MARKER_LINE:
        return False
    nearby = [line for line in lines[index + 1 : index + 4] if len(line) <= MAX_MARKER_LINE]
    if FROM_HEADER.match(lines[index]):
        return any(SENT_HEADER.match(line) for line in nearby)
    if SENT_HEADER.match(lines[index]):
        return any(FROM_HEADER.match(line) for line in nearby)
    return False


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if (
            (len(line) <= MAX_MARKER_LINE and ORIGINAL_SEPARATOR.match(line))
            or _is_attribution(lines, index)
            or _starts_header_block(lines, index)
        ):
            return index
    return None


def strip_quoted(text: str) -> str:
    """The buyer's new words, without the quoted history below them."""
    lines = (text or "")[:MAX_REPLY_CHARS].replace("\r\n", "\n").split("\n")[:MAX_REPLY_LINES]
    text = "\n".join(lines)
    start = _quote_start([line.strip() for line in lines])
    # At the very top the buyer wrote below the quote, or nothing: the reply reader sorts that out alone.
    if start:
        text = "\n".join(lines[:start])
    reply = reply_fragments(text)
    return (reply or text).strip()


# An HTML-only mail: what it says, without markup. Django's strip_tags re-parses until nothing changes
# and gives up on deep nesting with an exception; this is one pass of patterns without backtracking.
HIDDEN_ELEMENTS = ("head", "style", "script")
LINE_BREAK_TAG = re.compile(r"<(?:br|/p|/div|/tr|/li|/h[1-6])\b[^<>]*>", re.IGNORECASE)
TAG = re.compile(r"<[^<>]*>")
BLANK_LINES = re.compile(r"\n\s*\n(?:\s*\n)*")


def _opening(lowered: str, name: str, at: int) -> int:
    """Where the element `name` next opens (not "<header" for "<head"), or -1."""
    index = lowered.find(f"<{name}", at)
    while index >= 0 and lowered[index + len(name) + 1 : index + len(name) + 2].isalnum():
        index = lowered.find(f"<{name}", index + 1)
    return index


def html_text(html: str) -> str:
    """The text of an HTML mail body: no head, styles or scripts, tags dropped, entities read."""
    html = (html or "")[:MAX_TEXT_CHARS]
    lowered = html.lower()
    # Where each hidden element next opens; searched again only once passed, so every search moves on.
    opens = {name: _opening(lowered, name, 0) for name in HIDDEN_ELEMENTS}
    kept, at = [], 0
    while True:
        for name, index in opens.items():
            if 0 <= index < at:
                opens[name] = _opening(lowered, name, at)
        start, name = min(((index, name) for name, index in opens.items() if index >= 0), default=(-1, ""))
        if start < 0:
            kept.append(html[at:])
            break
        kept.append(html[at:start])
        end = lowered.find(f"</{name}>", start)
        if end < 0:
            break
        at = end + len(name) + 3
    text = TAG.sub("", LINE_BREAK_TAG.sub("\n", "".join(kept)))
    return BLANK_LINES.sub("\n\n", unescape(text)).strip()


# --- what is left once the quote markers above are cut off ----------------------------------
#
# GitHub's reply reader (the email_reply_parser package) in linear time, with its behaviour kept: it
# reads the lines bottom up into fragments (quoted with ">", a header like "On … wrote:", a signature
# below "--" or "Sent from my …", or text) and keeps the text fragments above the lowest header. The
# package found a wrapped "On … wrote:" with a pattern that backtracks cubically (a line of "On On On …"
# never returns) and hid the fragments below each header by walking all of them again (quadratic).

QUOTE_MARK = ">"
REPLY_HEADER = re.compile(r"\*?(?:From|Sent|To|Subject):\*? .")
SIGNATURE_START = re.compile(r"--|__|-\w|Sent from my \w")
# An Outlook reply often sits right on top of the line that rules off the signature or the quote.
RULE_BELOW = re.compile(r"([^\n])(?=\n ?[_-]{7,})")


def _is_on_wrote(line: str) -> bool:
    return len(line) >= len("Onwrote:") and line.startswith("On") and line.endswith("wrote:")


def _unwrap_on_wrote(text: str) -> str:
    """Join the last "On <whitespace> … wrote:" of the text into one line, if a client wrapped it."""
    wrote = text.rfind("wrote:")
    if wrote < len("On x"):
        return text
    # The last "On" that is followed by whitespace and at least one more character before "wrote:".
    on = text.rfind("On", 0, wrote - 2)
    while on >= 0 and not text[on + 2].isspace():
        on = text.rfind("On", 0, on + 1)
    if on < 0:
        return text
    end = text.find("wrote:", on + 4) + len("wrote:")
    return text[:on] + text[on:end].replace("\n", "") + text[end:]


class _Fragment:
    __slots__ = ("content", "headers", "hidden", "lines", "quoted", "signature")

    def __init__(self, line: str, *, quoted: bool, headers: bool):
        self.lines = [line]
        self.quoted = quoted
        self.headers = headers
        self.signature = False
        self.hidden = False
        self.content = ""


def reply_fragments(text: str) -> str:
    """The visible, unquoted fragments of a reply, top down, the way email_reply_parser reads them."""
    text = RULE_BELOW.sub("\\1\n", _unwrap_on_wrote(text.replace("\r\n", "\n")))
    fragments: list[_Fragment] = []
    # Every fragment below the lowest header so far is hidden; kept as a count, not re-marked each time.
    hidden_below = 0
    found_visible = False
    current: _Fragment | None = None

    def finish(fragment: _Fragment) -> None:
        nonlocal found_visible, hidden_below
        fragment.lines.reverse()
        fragment.content = "\n".join(fragment.lines).strip()
        fragment.lines = []
        if fragment.headers:
            found_visible = False
            hidden_below = len(fragments)
        if not found_visible:
            if fragment.quoted or fragment.headers or fragment.signature or not fragment.content:
                fragment.hidden = True
            else:
                found_visible = True
        fragments.append(fragment)

    for line in reversed(text.split("\n")):
        blank = not line.strip()
        quoted = line.startswith(QUOTE_MARK)
        on_wrote = _is_on_wrote(line)
        headers = on_wrote or REPLY_HEADER.match(line) is not None
        if current is not None and blank and SIGNATURE_START.match(current.lines[-1].strip()):
            current.signature = True
            finish(current)
            current = None
        if current is not None and (
            (current.headers == headers and current.quoted == quoted)
            or (current.quoted and (on_wrote or blank))
        ):
            current.lines.append(line)
        else:
            if current is not None:
                finish(current)
            current = _Fragment(line, quoted=quoted, headers=headers)
    if current is not None:
        finish(current)
    visible = [
        fragment.content
        for index, fragment in enumerate(fragments)
        if index >= hidden_below and not (fragment.hidden or fragment.quoted)
    ]
    return "\n".join(reversed(visible))


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
