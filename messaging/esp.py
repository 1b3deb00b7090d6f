"""The ESP behind /anymail/: which one answers, whether its webhooks refuse strangers, and what it posted.

django-anymail knows every ESP's webhooks. We use each of its views in two
halves: in the web request only its checks run (the shared secret or the
ESP's signature) and the body is stored as it came; a worker later gives the
stored body to the same view's parser (`delivery_events`). Nothing a stranger
wrote into an e-mail is parsed while the ESP waits for our answer.

Reading an e-mail avoids the standard library's header classes for addresses:
they take seconds for a few kilobytes of quotes in a To header (and recurse
until they fail on nested brackets). `email.utils.getaddresses` on the raw,
shortened header does the same job in linear time.
"""

from __future__ import annotations

import io
from email.header import decode_header, make_header
from email.utils import getaddresses

from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, EventType, tracking
from anymail.urls import urlpatterns as anymail_urlpatterns
from anymail.utils import get_anymail_setting
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.urls import Resolver404, ResolverMatch, resolve

from orders.names import clean_name

from .mailparse import InboundAttachmentIn, InboundIn, sender_authentication

# ESPs whose every webhook anymail checks against a signature (with this key) as well as, or instead
# of, the shared secret. For all others the shared secret in ANYMAIL_WEBHOOK_SECRET is the only lock.
SIGNATURE_KEYS = {
    "mailgun": ("WEBHOOK_SIGNING_KEY", "API_KEY"),
    "mandrill": ("WEBHOOK_KEY",),
    "postal": ("WEBHOOK_KEY",),
}
# The password half of ANYMAIL_WEBHOOK_SECRET ("user:password"): long enough not to be guessed.
MIN_SECRET_PASSWORD = 16
# Request headers kept with a stored delivery for the ESP's parser; never credentials.
PRIVATE_HEADERS = {"HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_PROXY_AUTHORIZATION"}
# An address header longer than this is cut before its addresses are read: a real one with a hundred
# recipients has about 4,000 characters.
MAX_ADDRESS_HEADER = 16_000
MAX_HEADER = 4_000


def configured_esp() -> str:
    return (settings.POSTSALE_WEBHOOK_ESP or "").strip().lower()


def esp_has_webhooks(esp: str) -> bool:
    return any(str(pattern.pattern).lstrip("^").startswith(f"{esp}/") for pattern in anymail_urlpatterns)


def protection_problem(esp: str) -> str:
    """What is missing for `esp`'s webhooks to refuse a stranger; empty when nothing is."""
    if not esp_has_webhooks(esp):
        return f"POSTSALE_WEBHOOK_ESP is {esp!r}, an ESP django-anymail has no webhooks for."
    for key in SIGNATURE_KEYS.get(esp, ()):
        if get_anymail_setting(key, esp_name=esp, default=None, allow_bare=True):
            return ""
    secrets = get_anymail_setting("webhook_secret", default=[])
    secrets = [secrets] if isinstance(secrets, str) else list(secrets or [])
    if not secrets:
        signed = " or ".join(f"ANYMAIL_{esp.upper()}_{key}" for key in SIGNATURE_KEYS.get(esp, ()))
        return (
            "ANYMAIL_WEBHOOK_SECRET is not set"
            + (f" (nor {signed})" if signed else "")
            + (f": anyone can post mail and delivery events to /anymail/{esp}/.")
        )
    if any(len(secret.partition(":")[2]) < MIN_SECRET_PASSWORD for secret in secrets):
        return (
            f"ANYMAIL_WEBHOOK_SECRET must be user:password with a random password of at least "
            f"{MIN_SECRET_PASSWORD} characters."
        )
    return ""


def anymail_route(route: str) -> ResolverMatch | None:
    """Anymail's view for a path below /anymail/ ("mailgun/inbound/"), or None."""
    try:
        return resolve(f"/{route}", urlconf="anymail.urls")
    except Resolver404:
        return None


def carries_mail(match: ResolverMatch) -> bool:
    # Mandrill posts mail and delivery events to one route and names the signal per batch.
    return match.func.view_class.signal is not tracking


def request_headers(request) -> dict[str, str]:
    return {
        name: str(value)[:MAX_HEADER]
        for name, value in request.META.items()
        if name.startswith("HTTP_") and name not in PRIVATE_HEADERS
    }


def _replayed_request(delivery) -> WSGIRequest:
    body = bytes(delivery.body)
    environ = {
        **delivery.meta,
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/anymail/{delivery.route}",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "443",
        "wsgi.url_scheme": "https",
        "CONTENT_TYPE": delivery.content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    return WSGIRequest(environ)


def delivery_events(delivery) -> list:
    """The events of a stored delivery, read by the anymail view that checked it (a raw e-mail: itself)."""
    if not delivery.route:
        message = AnymailInboundMessage.parse_raw_mime_bytes(bytes(delivery.body))
        return [AnymailInboundEvent(event_type=EventType.INBOUND, message=message)]
    match = anymail_route(delivery.route)
    if match is None:
        raise ValueError(f"No anymail webhook at {delivery.route!r}")
    view = match.func.view_class(**match.func.view_initkwargs)
    return list(view.parse_events(_replayed_request(delivery)))


def tracking_fields(event) -> dict:
    """An anymail tracking event as `services.tracking.delivery_event_record` takes it."""
    return {
        "event_type": event.event_type,
        "event_id": event.event_id,
        "esp_message_id": event.message_id or "",
        "recipient": event.recipient or "",
        "description": event.description or event.mta_response or "",
        "occurred_at": event.timestamp,
    }


# --- an anymail message as the inbound service reads it ----------------------------------


def _unfolded(value) -> str:
    """A raw header as one line of text; 8-bit bytes in it read as UTF-8, what mail clients send."""
    text = str(value or "").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return " ".join(text.split())


def _decoded(value: str) -> str:
    """A header with its =?utf-8?…?= words decoded; as it stands if they are broken."""
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError):
        return value


def mail_from_anymail(message: AnymailInboundMessage) -> InboundIn:
    # The headers as they came, in order (a constructed message holds them already parsed).
    headers = [(name, _unfolded(value)) for name, value in message.raw_items()]
    first: dict[str, str] = {}
    for name, value in headers:
        first.setdefault(name.lower(), value)
    senders = getaddresses([first.get("from", "")[:MAX_ADDRESS_HEADER]])
    from_name, from_email = next(((name, address) for name, address in senders if address), ("", ""))
    recipients = [
        address
        for _name, address in getaddresses(
            [first.get("to", "")[:MAX_ADDRESS_HEADER], first.get("cc", "")[:MAX_ADDRESS_HEADER]]
        )
        if address
    ]
    if message.envelope_recipient:
        recipients.insert(0, message.envelope_recipient)
    return InboundIn(
        from_email=from_email[:254],
        from_name=clean_name(_decoded(from_name[:MAX_HEADER])),
        to=recipients,
        subject=_decoded(first.get("subject", "")[:MAX_HEADER]),
        text=message.text or "",
        html=message.html or "",
        message_id=first.get("message-id", "")[:250],
        in_reply_to=first.get("in-reply-to", "")[:MAX_HEADER],
        references=first.get("references", "")[:MAX_ADDRESS_HEADER],
        # The first of each: a server adds its own on top, and what it says counts.
        headers={name: value[:MAX_HEADER] for name, value in reversed(headers)},
        content_type=message.get_content_type(),
        attachments=[
            InboundAttachmentIn(
                filename=part.get_filename() or "attachment",
                content=part.get_content_bytes() or b"",
                declared_type=part.get_content_type(),
            )
            for part in message.attachments
        ],
        authentication=sender_authentication(headers),
        spam_score=message.spam_score,
        spam_detected=message.spam_detected,
    )
