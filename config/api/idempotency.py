"""`Idempotency-Key` on the API's writes: a retried POST answers what the first one answered.

As Stripe does it: a client that did not hear the answer (a timeout, a dropped connection,
a 5xx from a proxy) sends the same request with the same key again and gets the first
answer, status and body, instead of a second claim, refund or note. The key is the
user's: two integrations may pick the same one. Kept POSTSALE_IDEMPOTENCY_HOURS (24 h).

- same key, same request, first one finished: its answer again, with `Idempotent-Replayed: true`;
- same key, another request (method, path or body differ): 422 naming the header;
- same key while the first is still running: the second waits for it (the row is inserted in the
  write's own transaction, and PostgreSQL makes a second INSERT of the same key wait for the
  first transaction's end), then answers the first's result; after POSTSALE_IDEMPOTENCY_WAIT_SECONDS
  it gives up with 409;
- a refused first request (4xx, an error) keeps nothing: the key may be used again.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.errors import Conflict

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class Idempotent:
    """For an APIView whose POST writes: honours the `Idempotency-Key` header (none: as before).

    Authentication and permissions run first (`initial`), so the key is the caller's and a
    refused caller learns nothing about anybody's keys.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method == "POST" and key is not None:
            view_post = self.post
            # dispatch() looks the handler up after initial(): this view instance's own `post`
            # runs the view's once per key. (A view instance serves one request.)
            self.post = lambda request, *args, **kwargs: once_per_key(
                request, key, lambda: view_post(request, *args, **kwargs)
            )


def once_per_key(request, key: str, run) -> Response:
    key = _checked(key)
    fingerprint = _fingerprint(request)  # parses the body: a malformed one is a 400 before anything
    with transaction.atomic():
        record, first = _record_for(request.user, key, fingerprint)
        if not first:
            if record.fingerprint != fingerprint:
                reused = _("This key was already used for another request. Use a new key for each request.")
                raise KeyReused({HEADER: [reused]})
            return Response(record.body, status=record.status_code, headers={REPLAYED_HEADER: "true"})
        response = run()
        if status.is_success(response.status_code) and hasattr(response, "data"):
            # As the client reads it: the renderer's JSON, not the serializer's Python values.
            record.status_code = response.status_code
            record.body = json.loads(JSONRenderer().render(response.data) or "null")
            record.save(update_fields=["status_code", "body"])
        else:
            record.delete()
        return response


def forget_expired_keys(*, now=None) -> int:
    """Delete the keys older than the retention; returns how many (the beat task calls it)."""
    deleted, _by_model = _idempotency_keys().filter(created_at__lt=_oldest_kept(now)).delete()
    return deleted


def _record_for(user, key: str, fingerprint: str):
    """The stored key (False) or a new row for it, in the current transaction (True)."""
    keys = _idempotency_keys()
    # An old key the sweep has not reached yet is as good as gone.
    keys.filter(user=user, key=key, created_at__lt=_oldest_kept()).delete()
    with _lock_wait(settings.POSTSALE_IDEMPOTENCY_WAIT_SECONDS):
        try:
            with transaction.atomic():
                return keys.create(user=user, key=key, fingerprint=fingerprint), True
        except IntegrityError:
            pass  # the key is stored, finished: its first request committed while we waited
        except OperationalError as exc:
            if getattr(exc.__cause__, "pgcode", None) != LOCK_NOT_AVAILABLE:
                raise
            raise Conflict(
                _("A request with this Idempotency-Key is still being processed. Try again shortly."),
                code="idempotency_key_in_use",
            ) from exc
    return keys.get(user=user, key=key), False


@contextmanager
def _lock_wait(seconds: float):
    """How long an INSERT waits for a concurrent twin's transaction (PostgreSQL; SQLite waits anyway)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(seconds * 1000)}ms"])
    yield
    with connection.cursor() as cursor:
        # Back to the session's value: the view's own locks wait as they always did.
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")


def _checked(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(
            {HEADER: [_("Give 1 to %(max)s printable ASCII characters.") % {"max": MAX_KEY_LENGTH}]}
        )
    return key


def _fingerprint(request) -> str:
    """SHA-256 of method, path and body as parsed: the same JSON with other spacing is the same request."""
    body = json.dumps(_canonical(request.data), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.get_full_path()}\n{body}".encode()).hexdigest()


def _canonical(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)  # the view reads it next
        return {"file": value.name, "sha256": digest.hexdigest()}
    if hasattr(value, "lists"):  # a form's QueryDict: every value of every field
        return {name: [_canonical(item) for item in items] for name, items in value.lists()}
    if isinstance(value, dict):
        return {str(name): _canonical(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def _oldest_kept(now=None):
    return (now or timezone.now()) - timedelta(hours=settings.POSTSALE_IDEMPOTENCY_HOURS)


def _idempotency_keys():
    from config.models import IdempotencyKey  # config.api loads before the app registry is ready

    return IdempotencyKey.objects


# For the schema (config/api/schema.py).
HEADER_DESCRIPTION = (
    "Any unique string (1 to 255 printable ASCII characters, e.g. a UUID) that makes this write safe "
    "to retry: the same key with the same request, within 24 hours, answers the first (successful) "
    "result again, with the header `Idempotent-Replayed: true`, instead of doing it twice. "
    "The same key with another request answers 422; while the first is still running, the second "
    "waits for it, or answers 409 after a few seconds. Keys are per user."
)
