"""One mail connection per worker process, kept open from one e-mail to the next.

Django's `EmailMessage.send()` opens a connection, sends and closes it: for
SMTP that is a TCP handshake, EHLO, perhaps STARTTLS and AUTH, then QUIT, for
every e-mail. A worker sending a burst (a carrier outage opening fifty
"shipment delayed" cases) reuses one connection instead. An ESP backend keeps
its HTTP session the same way.

A connection idle for longer than IDLE_SECONDS is closed and opened afresh
rather than trusted: mail servers drop idle clients (Postfix after 300 s,
some relays after 60 s), and the first command on a dropped connection fails.
After any error the connection is thrown away, so the next e-mail starts
clean; the outbox's own retry decides whether this one is tried again. The one
exception: a held connection that turns out to be closed by the server is
replaced at once and the e-mail tried on the new one, since nothing was said
on the dead one.
"""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

IDLE_SECONDS = 30


class _Held(threading.local):
    connection = None
    signature: tuple | None = None
    used_at = 0.0


_held = _Held()


def _signature() -> tuple:
    # Which backend and server the held connection was made for; settings
    # changed (in tests, say) mean a new connection.
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        getattr(settings, "EMAIL_FILE_PATH", None),
        repr(getattr(settings, "ANYMAIL", None)),
    )


def discard() -> None:
    connection, _held.connection = _held.connection, None
    if connection is not None:
        # A broken connection may fail to close; it is dropped either way.
        with contextlib.suppress(Exception):
            connection.close()


def _connection() -> tuple[object, bool]:
    """The held connection and whether it was used before (False: opened just now)."""
    signature = _signature()
    if _held.connection is not None and (
        _held.signature != signature or time.monotonic() - _held.used_at > IDLE_SECONDS
    ):
        discard()
    if _held.connection is not None:
        return _held.connection, True
    connection = get_connection(fail_silently=False)
    connection.open()
    _held.connection, _held.signature = connection, signature
    return connection, False


def send(email: EmailMessage) -> int:
    """Send one message on the held connection; raises what the backend raises."""
    connection, reused = _connection()
    try:
        sent = connection.send_messages([email])
    except smtplib.SMTPServerDisconnected:
        discard()
        if not reused:
            raise
        connection, _reused = _connection()
        try:
            sent = connection.send_messages([email])
        except BaseException:
            discard()
            raise
    except BaseException:
        # A time limit or a server error mid-conversation leaves the session in an unknown state.
        discard()
        raise
    _held.used_at = time.monotonic()
    return sent
