"""Writes to cases: open, move, assign, note, priority. Each in one transaction with its audit event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import tenancy
from orders.models import Order
from orders.services import buyer_set_risk

from . import signals, sla
from .events import case_event, user_or_none
from .models import OPEN_STATUSES, Case, CaseNote, CaseSeen, CaseStatus
from .priority import case_priority
from .search import case_reindex, fold, search_body_of
from .transitions import refused
from .verbs import SystemReason, Verb


# No savepoint when called inside another service's transaction (opening a claim or a return):
# nobody carries on after a failed case_open, and a savepoint is two more round trips.
@transaction.atomic(savepoint=False)
def case_open(
    *,
    kind: str,
    shop,
    opened_via: str,
    order: Order | None = None,
    buyer=None,
    subject: str = "",
    actor=None,
    language: str = "",
    respond_by: datetime | None = None,
    tracking_numbers: list[str] | None = None,
    case_id: int | None = None,
    claim_type: str = "",
    said: str = "",
    buyer_said: bool = False,
) -> Case:
    """A new case with its reference and its "opened" event.

    `tracking_numbers`: the order's parcels, when the caller has read them already (one
    query less); otherwise they are read here for the search text. `case_id`: an id the
    caller reserved (`lock_order_for_case`), so the case is written once, reference and all.
    `said`: the words the case opens with (a claim's statement), its preview and searchable at
    once; `buyer_said`: the buyer wrote them (the portal, an e-mail), so the queue shows them
    as the buyer's latest message, else an agent or a shop system noted them down.
    """
    buyer = buyer or (order.buyer if order else None)
    now = timezone.now()
    case = Case(
        # A placeholder until the id is known; the reference is built from it below.
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        kind=kind,
        shop=shop,
        order=order,
        buyer=buyer,
        subject=subject[:200],
        opened_via=opened_via,
        language=language or (buyer.language if buyer and buyer.language else shop.default_language),
        order_value=order.total if order else Decimal("0"),
        currency=order.currency if order else shop.currency,
        needed_by=order.needed_by if order else None,
        respond_by=respond_by,
        preview=" ".join(said.split())[:PREVIEW_LENGTH],
        last_buyer_message_at=now if buyer_said else None,
        claim_type=claim_type,
    )
    case.search_body = search_body_of(case, [said])
    # Before saving: the priority reads the deadline. A claim's type is not on the case yet.
    sla.case_sla_refresh(case, kind=claim_type or None)
    case.priority = case_priority(case, now=now)
    if case_id is not None:
        case.pk = case_id
        case.reference = f"C-{now:%Y}-{case.pk:06d}"
        case.search_text = case_search_text(case, tracking_numbers=tracking_numbers)
        case.save(force_insert=True)
    else:
        case.save()
        case.reference = f"C-{now:%Y}-{case.pk:06d}"
        case.search_text = case_search_text(case, tracking_numbers=tracking_numbers)
        Case.objects.filter(pk=case.pk).update(reference=case.reference, search_text=case.search_text)
    case_event(case, Verb.OPENED, actor=actor, new=CaseStatus.NEW, kind=kind, via=opened_via)
    return case


@dataclass(frozen=True)
class OrderLock:
    """The order locked until the transaction ends, with what the caller asked to read under the lock."""

    case_id: int | None  # reserved for the case about to open (PostgreSQL), else None
    found: dict = field(default_factory=dict)


def lock_order_for_case(order: Order, **read) -> OrderLock:
    """Lock the order until the transaction ends, and reserve the id of the case about to open on it.

    Cases on one order open one after the other (the second sees the first). On PostgreSQL the
    same statement takes the case's id from its sequence, so case_open writes the case once,
    reference included, instead of inserting and then updating it. Elsewhere (SQLite, where
    there is no row lock either) None: case_open takes the id the insert gives it. `read`: columns
    of the order the same statement reads (F("needed_by")): a locked row is read as the last
    transaction left it. Never a subquery: it would see the database as it was before the wait for
    the lock (a twin claim another request just committed would be missed); read those after.
    """
    locked = Order.objects.select_for_update().filter(pk=order.pk).order_by().annotate(**read)
    if connection.vendor != "postgresql":
        row = locked.values("pk", *read).first()
        row.pop("pk")
        return OrderLock(None, row)
    sequence = RawSQL("nextval(pg_get_serial_sequence(%s, 'id'))", [Case._meta.db_table])
    row = locked.annotate(case_id=sequence).values("case_id", *read).first()
    return OrderLock(row.pop("case_id"), row)


def case_search_text(case: Case, *extra: str, tracking_numbers: list[str] | None = None) -> str:
    """What the queue's search box matches: reference, order number, buyer, tracking numbers."""
    parts = [case.reference, *extra]
    if case.order_id:
        parts.append(case.order.number)
        if tracking_numbers is None:
            tracking_numbers = case.order.shipments.values_list("tracking_number", flat=True)
        parts.extend(tracking_numbers)
    if case.buyer_id:
        parts.extend([case.buyer.name, case.buyer.email])
    return fold(" ".join(part for part in parts if part))


def case_add_search_terms(case: Case, *terms: str) -> None:
    """Make the case findable by more words (an RMA, a replacement's tracking number)."""
    case.search_text = " ".join([case.search_text, *(fold(t) for t in terms if t)]).strip()
    Case.objects.filter(pk=case.pk).update(search_text=case.search_text)


PREVIEW_LENGTH = 200


def case_buyer_wrote(case: Case, *, text: str = "", at: datetime | None = None) -> None:
    """The buyer wrote (an e-mail, a claim's statement): the queue sorts by it and shows it unread.

    The first words they ever wrote on the case become its preview; later ones leave it.
    """
    at = at or timezone.now()
    words = " ".join(text.split())[:PREVIEW_LENGTH]
    Case.objects.filter(pk=case.pk).update(last_buyer_message_at=at)
    case.last_buyer_message_at = at
    if words and not case.preview:
        Case.objects.filter(pk=case.pk, preview="").update(preview=words)
        case.preview = words


def case_set_preview(case: Case, text: str) -> None:
    """What the agent wrote down from a call, as the case's preview when the buyer wrote nothing yet."""
    words = " ".join(text.split())[:PREVIEW_LENGTH]
    if words and not case.preview:
        Case.objects.filter(pk=case.pk, preview="").update(preview=words)
        case.preview = words


def case_mark_seen(case: Case, user, *, now: datetime | None = None) -> None:
    """The user opened the case: buyer messages until now are read for them. One query."""
    if not getattr(user, "is_authenticated", False):
        return
    CaseSeen.objects.bulk_create(
        [CaseSeen(case=case, user=user, seen_at=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["case", "user"],
        update_fields=["seen_at"],
    )


def case_lock(case_or_id) -> Case:
    """The case row, locked until the transaction ends: two agents acting on it queue up."""
    pk = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
    return Case.objects.select_for_update().get(pk=pk)


def move_locked(
    case: Case, to: str, *, actor=None, reason: str | SystemReason = "", now: datetime | None = None
) -> Case:
    """Change the status of a locked case, refusing moves the machine does not allow.

    Not `transitions.move`: a case's own timestamps and priority change with its status,
    and closing asks the layers above first (`signals.case_closing`) and tells them after.
    """
    if case.status == to:
        return case
    if not case.can_move_to(to):
        raise refused(case, to)
    if to == CaseStatus.CLOSED:
        signals.case_closing.send(sender=Case, case=case)
    now = now or timezone.now()
    old = case.status
    case.status = to
    fields = ["status", "priority", "updated_at"]
    if to == CaseStatus.RESOLVED:
        case.resolved_at = now
        fields.append("resolved_at")
    if to == CaseStatus.CLOSED:
        case.closed_at = now
        fields.append("closed_at")
    if old == CaseStatus.RESOLVED and to in OPEN_STATUSES:
        case.resolved_at = None
        fields.append("resolved_at")
    case.priority = case_priority(case, now=now)
    case.save(update_fields=fields)
    case_event(case, Verb.STATUS_CHANGED, actor=actor, old=old, new=to, reason=reason)
    # Waiting on the buyer stops the SLA clock, and an answer from them starts it again.
    if sla.case_sla_refresh(case):
        case.priority = case_priority(case, now=now)
        Case.objects.filter(pk=case.pk).update(priority=case.priority)
    if to == CaseStatus.CLOSED:
        signals.case_closed.send(sender=Case, case=case, old_status=old, actor=actor)
    return case


@transaction.atomic
def case_move(*, case: Case, to: str, actor=None, reason: str = "") -> Case:
    return move_locked(case_lock(case), to, actor=actor, reason=reason)


@transaction.atomic
def case_assign(*, case: Case, assignee, actor=None) -> Case:
    """Give the case to `assignee` (None: back to the queue); only someone who works for its shop takes it."""
    if assignee is not None and not tenancy.is_member(assignee, case.shop_id, roles=tenancy.STAFF_ROLES):
        raise ValidationError({"assignee": [_("Only an agent or owner of this shop can take its cases.")]})
    case = case_lock(case)
    old = case.assignee.get_username() if case.assignee else ""
    new = assignee.get_username() if assignee else ""
    if old == new:
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    case_event(case, Verb.ASSIGNED, actor=actor, old=old, new=new)
    return case


@transaction.atomic
def case_note_add(*, case: Case, author, body: str) -> CaseNote:
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("A note cannot be empty.")]})
    note = CaseNote.objects.create(case=case, author=user_or_none(author), body=body)
    case_reindex(case)
    case_event(case, Verb.NOTE_ADDED, actor=author, note_id=note.pk)
    return note


def case_mark_responded(case: Case, *, now: datetime | None = None) -> None:
    """The first answer to the buyer stops the first-response clock."""
    if case.first_responded_at is None:
        case.first_responded_at = now or timezone.now()
        case.priority = case_priority(case, now=case.first_responded_at)
        Case.objects.filter(pk=case.pk, first_responded_at__isnull=True).update(
            first_responded_at=case.first_responded_at, priority=case.priority
        )


def case_set_respond_by(case: Case, respond_by: datetime | None) -> None:
    """A dispute's deadline moved (the provider extended it): the case's urgency follows."""
    case.respond_by = respond_by
    case.priority = case_priority(case)
    Case.objects.filter(pk=case.pk).update(respond_by=respond_by, priority=case.priority)


def case_add_cost(case: Case, *, cost: Decimal = Decimal("0"), recovered: Decimal = Decimal("0")) -> None:
    # F() so concurrent resolutions on one case add up instead of overwriting each other.
    Case.objects.filter(pk=case.pk).update(
        cost_total=F("cost_total") + cost, recovered_total=F("recovered_total") + recovered
    )
    case.refresh_from_db(fields=["cost_total", "recovered_total"])


def cases_reprioritise(*, now: datetime | None = None) -> int:
    """Recompute the priority of open cases: urgency grows as deadlines come closer."""
    now = now or timezone.now()
    changed = []
    for case in (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .only(
            "id",
            "status",
            "priority",
            "needed_by",
            "respond_by",
            "first_response_due",
            "first_responded_at",
            "order_value",
            "currency",
            "kind",
        )
        .iterator(chunk_size=2000)
    ):
        priority = case_priority(case, now=now)
        if priority != case.priority:
            case.priority = priority
            changed.append(case)
    Case.objects.bulk_update(changed, ["priority"], batch_size=1000)
    return len(changed)


@transaction.atomic
def case_set_buyer_risk(*, case: Case, flag: str, reason: str, actor) -> None:
    """Flag or clear the buyer from a case (a buyer whose claims do not add up), with the reason on the timeline."""
    old = case.buyer.risk_flag
    buyer_set_risk(buyer=case.buyer, flag=flag, reason=reason, by=actor)
    if old != flag:
        case_event(case, Verb.BUYER_RISK_CHANGED, actor=actor, old=old, new=flag, reason=reason)
