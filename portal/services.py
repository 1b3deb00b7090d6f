"""The portal's own writes: thin wrappers that add what the buyer told us to the real services."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F

from cases.events import case_event
from cases.models import OpenedVia
from cases.needed_by import order_needed_by_set
from cases.services import lock_order_for_case
from cases.verbs import Reason, Verb, because
from claims import services as claims
from claims.models import Claim
from config.queries import fetch_shaped
from orders.models import Order
from returns import services as returns
from returns.eligibility import LineIn
from returns.models import Condition, ReturnRequest


@transaction.atomic
def portal_return_start(
    *, order: Order, lines: list[LineIn], method: str, resolution: str, condition: str
) -> ReturnRequest:
    """A buyer starts a return. The condition they state goes on the case for the warehouse to compare."""
    request = returns.return_request(
        order=order, lines=lines, method=method, resolution=resolution, opened_via=OpenedVia.PORTAL
    )
    if condition in Condition.values:
        case_event(request.case, Verb.BUYER_STATED_CONDITION, new=condition, rma=request.rma)
    return request


@transaction.atomic
def portal_problem_report(
    *,
    order: Order,
    type: str,
    lines: list[claims.LineIn],
    statement: str,
    photos,
    needed_by: date | None = None,
) -> tuple[Claim, bool]:
    """A buyer reports a problem: a new claim, or the open one of the same type (the bool: opened now).

    A second report of the same problem (a double click, a reload, a buyer who is unsure
    it went through) must not open a second case for agents to work twice.
    The date a buyer needs the goods by is the order's from now on, set before the
    claim opens so that its case, evidence and decision are as urgent as the date.
    """
    # The order row serialises two submits arriving at once: the second sees the first's claim.
    # The statement that locks it reads its date and reserves the id of the case that may open;
    # then, in one round trip, the claims of this type still open and what opening one reads.
    lock = lock_order_for_case(order, old_needed_by=F("needed_by"))
    rows = fetch_shaped("portal_report", claims.claim_open_reads, order=order.pk, type=type)
    old_date = lock.found["old_needed_by"]
    date_changed = bool(needed_by) and needed_by != old_date
    if needed_by:
        order_needed_by_set(order=order, needed_by=needed_by, reason=because(Reason.BUYER_GAVE_DATE))
    existing = rows["twins"][0] if rows["twins"] else None
    if existing is not None:
        # What the buyer wrote again stays on the case for the agent; it may add something.
        case_event(existing.case, Verb.BUYER_REPORTED_AGAIN, statement=statement, photos=len(photos or ()))
        return existing, False
    claim = claims.claim_open(
        order=order,
        type=type,
        opened_via=OpenedVia.PORTAL,
        lines=lines,
        statement=statement,
        photos=photos,
        lock=lock,
        rows=rows,
    )
    if date_changed:
        # The new case starts with the date; its timeline says where it came from.
        case_event(
            claim.case,
            Verb.NEEDED_BY_CHANGED,
            old=old_date.isoformat() if old_date else "",
            new=needed_by.isoformat(),
            reason=because(Reason.BUYER_GAVE_DATE),
        )
    return claim, True


def portal_photos_add(*, claim: Claim, photos) -> int:
    """The buyer adds photos to an open claim of their order (a damaged parcel we asked photos of)."""
    return claims.claim_photos_add(claim=claim, photos=photos, via=OpenedVia.PORTAL)
