"""Outbound calls: what Postsale asks of shop systems, payment providers and carriers, delivered once.

A decision that must reach an outside system writes an `OutboundCall` in its own
transaction (`outbound_enqueue`); after commit a worker sends it (`outbound_send`,
from `cases.tasks.send_outbound_call`), never the web request. The row is claimed
with `SELECT … FOR UPDATE SKIP LOCKED`, and the idempotency key fixed at creation
goes with every attempt, so a provider that did the thing the first time answers
the second time with what it did then. Timeouts, lost connections, 429 and 5xx
are tried again with backoff; a refusal that waiting will not heal (most 4xx)
stops, and the case goes back in front of an agent with the provider's words. An
agent can send a failed call again (`outbound_retry`); `outbound_sweep` finds the
rows whose task never ran or whose worker died.

The kernel knows no provider. The layers above register, per kind and provider,
the function that talks to the provider (`register_sender`, the integrations app
in its `AppConfig.ready`), and per kind what the answer means for the thing acted
on (`register_kind`: a refund accepted or refused).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.db import until_it_holds
from config.errors import Conflict
from config.publish import publish_after_commit
from config.retry import backoff_seconds

from .events import case_event
from .models import Case, CaseStatus, OutboundCall, OutboundStatus
from .services import case_lock, move_locked
from .verbs import Verb

logger = logging.getLogger(__name__)

ANSWER_CHARS = 2000
UNFINISHED = (OutboundStatus.QUEUED, OutboundStatus.RETRYING)


@dataclass(frozen=True)
class Answer:
    """A provider's yes: its HTTP status, its body as text, what it calls the thing it made."""

    status_code: int
    body: str = ""
    reference: str = ""
    data: dict = field(default_factory=dict)


class Transient(Exception):
    """No answer, or one that says "later" (timeout, lost connection, 429, 5xx): try again."""

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class Refused(Exception):
    """The provider said no, and asking again will not change that (a 4xx): an agent looks."""

    def __init__(self, message: str, *, status_code: int | None = None, body: str = ""):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body


Sender = Callable[[OutboundCall], Answer]


@dataclass(frozen=True)
class KindHooks:
    # The provider said yes: record it on the thing acted on (in the transaction that marks the call done).
    succeeded: Callable[[OutboundCall, Answer], None] | None = None
    # Refused (refused=True) or given up after the last attempt.
    failed: Callable[[OutboundCall, str, bool], None] | None = None
    # An agent sends it again: may refuse (raise), or put the thing back where it waits for the provider.
    before_retry: Callable[[OutboundCall], None] | None = None


_SENDERS: dict[tuple[str, str], Sender] = {}
_KINDS: dict[str, KindHooks] = {}


def register_sender(kind: str, provider: str, sender: Sender) -> None:
    _SENDERS[(kind, provider)] = sender


def register_kind(kind: str, **hooks) -> None:
    _KINDS[kind] = KindHooks(**hooks)


def _hooks(kind: str) -> KindHooks:
    return _KINDS.get(kind, KindHooks())


@dataclass
class SendOutcome:
    status: str = ""
    # Seconds until the task should look again; None when there is nothing left to do.
    retry_in: int | None = None


def _enqueue_after_commit(call_id: int) -> None:
    # The task calls this module, so it is looked up when used, not when this module loads.
    from .tasks import send_outbound_call

    # The broker down: the sweep sends it once it is back.
    publish_after_commit(send_outbound_call, call_id)


def outbound_enqueue(
    *,
    shop_id: int,
    kind: str,
    provider: str,
    idempotency_key: str,
    payload: dict | None = None,
    case: Case | None = None,
    refund=None,
) -> OutboundCall:
    """Write the call beside the decision it carries out; it is sent once that transaction commits."""
    call = OutboundCall.objects.create(
        shop_id=shop_id,
        case=case,
        refund=refund,
        kind=kind,
        provider=provider,
        idempotency_key=idempotency_key,
        payload=payload or {},
        next_attempt_at=timezone.now(),
    )
    _enqueue_after_commit(call.pk)
    return call


def _claim(call_id: int, now: datetime) -> OutboundCall | None:
    """The call, ours to send: due and unclaimed, or claimed by a worker so long ago that it must be dead."""
    stale_before = now - timedelta(seconds=settings.POSTSALE_OUTBOUND_STALE_SECONDS)
    claimable = Q(status__in=UNFINISHED, next_attempt_at__lte=now) | Q(
        status=OutboundStatus.SENDING, claimed_at__lt=stale_before
    )
    with transaction.atomic():
        call = OutboundCall.objects.select_for_update(skip_locked=True).filter(claimable, pk=call_id).first()
        if call is None:
            return None
        call.status = OutboundStatus.SENDING
        call.claimed_at = now
        call.attempts += 1
        call.next_attempt_at = None
        call.save(update_fields=["status", "claimed_at", "attempts", "next_attempt_at", "updated_at"])
    return call


def outbound_send(*, call_id: int, now: datetime | None = None) -> SendOutcome:
    """Send one call, if it is ours to send, and record the answer.

    A task delivered twice, a sweep racing a late task, two workers: the claim
    lets one through. A worker that dies after the provider answered leaves the
    row "sending"; once that claim is stale the call goes again with the same
    key, and the provider answers with what it did the first time.
    """
    now = now or timezone.now()
    call = _claim(call_id, now)
    if call is None:
        return SendOutcome()
    sender = _SENDERS.get((call.kind, call.provider))
    try:
        if sender is None:
            raise Refused(
                _("Postsale cannot send %(kind)s to %(provider)s.")
                % {"kind": call.kind, "provider": call.provider}
            )
        answer = sender(call)
    except Refused as exc:
        return _record_failure(
            call, now, exc.message, status_code=exc.status_code, body=exc.body, refused=True
        )
    except Transient as exc:
        return _record_failure(call, now, exc.message, status_code=exc.status_code, refused=False)
    except Exception as exc:  # a bug in a sender, or something unforeseen on the wire: worth another try
        logger.exception("Outbound call %s failed", call.pk)
        return _record_failure(call, now, repr(exc), refused=False)
    # The provider did it: a row left "sending" would be sent again (same key, but a needless call).
    return until_it_holds(
        lambda: _record_success(call, now, answer), what=f"recording outbound call {call.pk}"
    )


def _mine(call: OutboundCall, claimed_at: datetime) -> OutboundCall | None:
    """The row locked, if the claim is still ours (a stale claim may have been taken over meanwhile)."""
    row = OutboundCall.objects.select_for_update(of=("self",)).select_related("case").get(pk=call.pk)
    if row.status != OutboundStatus.SENDING or row.claimed_at != claimed_at:
        return None
    return row


@transaction.atomic
def _record_success(call: OutboundCall, claimed_at: datetime, answer: Answer) -> SendOutcome:
    row = _mine(call, claimed_at)
    if row is None:
        return SendOutcome()
    row.status = OutboundStatus.SUCCEEDED
    row.completed_at = timezone.now()
    row.claimed_at = None
    row.last_status_code = answer.status_code
    row.last_answer = answer.body[:ANSWER_CHARS]
    row.result_reference = answer.reference[:120]
    row.save()
    if row.case is not None:
        case_event(
            row.case,
            Verb.OUTBOUND_SUCCEEDED,
            new=_what(row),
            call_id=row.pk,
            attempt=row.attempts,
            status_code=answer.status_code,
            reference=row.result_reference,
        )
    hook = _hooks(row.kind).succeeded
    if hook is not None:
        hook(row, answer)
    return SendOutcome(status=row.status)


@transaction.atomic
def _record_failure(
    call: OutboundCall,
    claimed_at: datetime,
    message: str,
    *,
    status_code: int | None = None,
    body: str = "",
    refused: bool,
) -> SendOutcome:
    row = _mine(call, claimed_at)
    if row is None:
        return SendOutcome()
    given_up = refused or row.attempts >= settings.POSTSALE_OUTBOUND_MAX_ATTEMPTS
    retry_in = (
        None if given_up else backoff_seconds(row.attempts, first=settings.POSTSALE_OUTBOUND_FIRST_RETRY)
    )
    row.status = OutboundStatus.FAILED if given_up else OutboundStatus.RETRYING
    row.claimed_at = None
    row.next_attempt_at = None if given_up else timezone.now() + timedelta(seconds=retry_in)
    row.last_status_code = status_code
    row.last_answer = (body or message)[:ANSWER_CHARS]
    row.save()
    said = f"HTTP {status_code}: {message}" if status_code else message
    if row.case is not None:
        case_event(
            row.case,
            Verb.OUTBOUND_FAILED if given_up else Verb.OUTBOUND_RETRYING,
            new=_what(row),
            reason=said[:300],
            call_id=row.pk,
            attempt=row.attempts,
            status_code=status_code,
        )
    if given_up:
        hook = _hooks(row.kind).failed
        if hook is not None:
            hook(row, message, refused)
        if row.case is not None:
            back_to_agent(row.case, reason=said[:300])
    return SendOutcome(status=row.status, retry_in=retry_in)


def _what(call: OutboundCall) -> str:
    return f"{call.provider} {call.kind}"


def back_to_agent(case: Case, *, reason: str) -> None:
    """A case whose outside action failed is open again and in progress, so the queue shows it to an agent."""
    case = case_lock(case)
    if case.status in (CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED) or not case.can_move_to(
        CaseStatus.IN_PROGRESS
    ):
        return
    move_locked(case, CaseStatus.IN_PROGRESS, reason=reason)


@transaction.atomic
def outbound_retry(*, call: OutboundCall, actor) -> OutboundCall:
    """An agent sends a failed call again, with the same idempotency key."""
    row = OutboundCall.objects.select_for_update(of=("self",)).select_related("case").get(pk=call.pk)
    if not row.can_retry:
        raise Conflict(
            _("This call is %(status)s and cannot be sent again.")
            % {"status": row.get_status_display().lower()},
            code="invalid_transition",
        )
    hook = _hooks(row.kind).before_retry
    if hook is not None:
        hook(row)
    fields = ["status", "attempts", "next_attempt_at", "updated_at"]
    if was_refused(row):
        # The provider refused and did nothing; asked again under the same key it would answer
        # with the same refusal (Stripe keeps an idempotent request's error as its result). After
        # a timeout or a 5xx the key stays: the provider may have done it, and must not twice.
        row.idempotency_key = fresh_key(row.idempotency_key)
        fields.append("idempotency_key")
    row.status = OutboundStatus.QUEUED
    row.attempts = 0
    row.next_attempt_at = timezone.now()
    row.save(update_fields=fields)
    if row.case is not None:
        case_event(row.case, Verb.OUTBOUND_RETRIED, actor=actor, new=_what(row), call_id=row.pk)
    _enqueue_after_commit(row.pk)
    return row


# Answers that say "not now" rather than "no": a call that ended on one may have been done.
NOT_A_REFUSAL = (408, 409, 425, 429)


def was_refused(call: OutboundCall) -> bool:
    code = call.last_status_code
    return (
        call.status == OutboundStatus.FAILED
        and code is not None
        and 400 <= code < 500
        and code not in NOT_A_REFUSAL
    )


def fresh_key(key: str) -> str:
    """The same call's key for a new request: its stem (which names the case's thing) and a new tail."""
    stem = key.split("~")[0][:100]
    return f"{stem}~{secrets.token_hex(6)}"


def outbound_sweep(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of calls whose task never ran, or whose worker died mid-way; the caller enqueues them again."""
    now = now or timezone.now()
    lost_before = now - timedelta(seconds=settings.POSTSALE_OUTBOUND_LOST_SECONDS)
    stale_before = now - timedelta(seconds=settings.POSTSALE_OUTBOUND_STALE_SECONDS)
    due = Q(status__in=UNFINISHED, next_attempt_at__lt=lost_before) | Q(
        status=OutboundStatus.SENDING, claimed_at__lt=stale_before
    )
    ids = list(OutboundCall.objects.filter(due).order_by("id").values_list("pk", flat=True)[:limit])
    # As the outbox's sweep: a row re-queued now waits POSTSALE_OUTBOUND_LOST_SECONDS before the next.
    # (A few seconds back, so a worker whose clock is behind the sweeper's can claim it at once.)
    OutboundCall.objects.filter(pk__in=ids, status__in=UNFINISHED).update(
        next_attempt_at=now - timedelta(seconds=5)
    )
    return ids
