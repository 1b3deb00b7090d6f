"""Pages of the messaging app: the buyer's one-click feedback and the development mailbox."""

from __future__ import annotations

import email
import email.message
import email.policy
import functools
import ipaddress
from email.utils import make_msgid, parseaddr
from pathlib import Path

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from .services.deliveries import inbound_delivery_store
from .services.feedback import feedback_case, feedback_record

# --- feedback ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def feedback(request, token: str, rating: int):
    # The e-mail's star is a link (a GET, the only thing every mail client can do), but a GET
    # records nothing: mail scanners (Outlook Safe Links and the like) open every link in an
    # e-mail, all five stars, and the last one would win. The page the link opens sends the
    # rating with a POST at once from the browser, and shows a button where scripts are off.
    comment = request.POST.get("comment") if request.method == "POST" else None
    try:
        case = feedback_case(token=token, rating=rating)
    except ValidationError:
        return render(request, "messaging/feedback.html", {"invalid": True}, status=400)
    language = (case.buyer.language if case.buyer else "") or case.shop.default_language or "en"
    context = {"case": case, "shop": case.shop, "rating": rating, "recorded": request.method == "POST"}
    with translation.override(language):
        if request.method == "POST":
            try:
                feedback = feedback_record(token=token, rating=rating, comment=comment)
            except ValidationError as exc:
                context.update(recorded=True, comment=comment, error=" ".join(exc.messages))
                return render(request, "messaging/feedback.html", context, status=400)
            context.update(comment=feedback.comment, commented=comment is not None and bool(feedback.comment))
        return render(request, "messaging/feedback.html", context)


# --- development mailbox ------------------------------------------------------

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def _mail_dir() -> Path:
    return Path(getattr(settings, "EMAIL_FILE_PATH", settings.DATA_DIR / "mail"))


def _mailbox(limit: int = 200) -> list[dict]:
    entries = []
    files = sorted(_mail_dir().glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files[:limit]:
        chunks = [c for c in path.read_bytes().split(SEPARATOR) if c.strip()]
        for index, chunk in reversed(list(enumerate(chunks))):
            parsed = email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default)
            entries.append({"key": f"{path.stem}~{index}", "message": parsed})
    return entries[:limit]


def _load(key: str):
    stem, _sep, index = key.rpartition("~")
    path = _mail_dir() / f"{stem}.log"
    if not stem or "/" in stem or not path.is_file() or not index.isdigit():
        raise Http404
    chunks = [c for c in path.read_bytes().split(SEPARATOR) if c.strip()]
    if int(index) >= len(chunks):
        raise Http404
    return email.message_from_bytes(chunks[int(index)].lstrip(b"\n"), policy=email.policy.default)


def _summary(entry: dict) -> dict:
    message = entry["message"]
    return {
        "key": entry["key"],
        "subject": message["Subject"],
        "to": message["To"],
        "from": message["From"],
        "date": message["Date"],
        "language": message["Content-Language"],
        "case": message["X-Postsale-Case"],
    }


# Headers a proxy or tunnel adds: a browser on this machine talking to runserver sends none.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP", "HTTP_X_FORWARDED_HOST")


def from_this_machine(request) -> bool:
    """The connection's own address is a loopback one, and no proxy passed it on.

    REMOTE_ADDR is the socket's peer as the server saw it; X-Forwarded-For is whatever the
    client wrote. A tunnel (ngrok and the like) or a reverse proxy on this machine connects
    from 127.0.0.1 too, on behalf of anyone: it says so in its forwarding headers.
    """
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback and not any(request.META.get(header) for header in PROXY_HEADERS)


def debug_only(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        # Shows every buyer's e-mail and portal link unauthenticated, and replies as any buyer:
        # a development tool for the person at this machine, never served to anyone else.
        if not (settings.DEBUG and from_this_machine(request)):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@debug_only
def dev_mailbox(request):
    return render(request, "messaging/mailbox.html", {"messages_": [_summary(e) for e in _mailbox()]})


@debug_only
@require_http_methods(["GET", "POST"])
# The e-mail's HTML sits in a sandboxed srcdoc frame, which inherits this page's policy: its
# <style> and style attributes need inline styles. Scripts stay refused (the sandbox too).
@csp_update({"style-src": [UNSAFE_INLINE]})
def dev_mailbox_message(request, key: str):
    message = _load(key)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    if request.method == "POST" and request.POST.get("reply", "").strip():
        # Stands in for the ESP's inbound webhook: the reply is stored and read by the worker, as a real one is.
        reply_to = message["Reply-To"] or message["From"]
        quoted = "\n".join("> " + line for line in (text.get_content() if text else "").splitlines())
        reply = email.message.EmailMessage()
        reply["From"] = str(message["To"])
        reply["To"] = parseaddr(str(reply_to))[1]
        reply["Subject"] = f"Re: {message['Subject']}"
        reply["Message-ID"] = make_msgid(domain="mailbox.localhost")
        reply["In-Reply-To"] = reply["References"] = str(message["Message-ID"] or "")
        reply.set_content(
            request.POST["reply"].strip() + f"\n\nOn {message['Date']}, {message['From']} wrote:\n" + quoted
        )
        inbound_delivery_store(
            esp_name="mailbox", route="", content_type="message/rfc822", body=reply.as_bytes()
        )
        return redirect(request.path + "?replied=1")
    attachments = [part.get_filename() for part in message.iter_attachments()]
    return render(
        request,
        "messaging/mailbox_message.html",
        {
            "key": key,
            "headers": [
                (name, message[name])
                for name in (
                    "From",
                    "To",
                    "Reply-To",
                    "Subject",
                    "Date",
                    "Message-ID",
                    "Content-Language",
                    "X-Postsale-Case",
                )
                if message[name]
            ],
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
            "attachments": attachments,
            "replied": request.GET.get("replied"),
        },
    )
