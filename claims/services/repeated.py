"""A claim sent twice: a client that did not hear the answer sends the same claim again."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.events import case_event
from cases.models import OPEN_STATUSES
from cases.services import lock_order_for_case
from cases.verbs import Verb
from config.queries import fetch_shaped
from orders.models import Order

from ..models import Claim
from .open import DisputeIn, LineIn, claim_open, claim_reads


@transaction.atomic
def claim_open_once(
    *,
    order: Order,
    type: str,
    lines: list[LineIn] = (),
    statement: str = "",
    dispute: DisputeIn | None = None,
    **kwargs,
) -> tuple[Claim, bool]:
    """Open a claim, unless an identical one is open already (the bool: opened now).

    Identical: the same order, type and lines (and dispute reference), opened in the last
    POSTSALE_DUPLICATE_CLAIM_MINUTES and still open. A shop system that retries without an
    Idempotency-Key must not open a second case, e-mail the buyer twice or be decided twice.
    Later, or with other lines, it is a new report of its own.
    """
    # The order's row serialises two posts arriving at once: the second sees the first's claim.
    # Its lock reserves the new case's id; then, in one round trip, the claims that could be this
    # one's twin and what opening it reads anyway.
    lock = lock_order_for_case(order)
    since = timezone.now() - timedelta(minutes=settings.POSTSALE_DUPLICATE_CLAIM_MINUTES)
    rows = fetch_shaped("claim_open_once", claim_open_reads, order=order.pk, type=type, since=since)
    twin = _open_twin(rows["twins"], lines=lines, dispute=dispute)
    if twin is None:
        claim = claim_open(
            order=order,
            type=type,
            lines=lines,
            statement=statement,
            dispute=dispute,
            lock=lock,
            rows=rows,
            **kwargs,
        )
        return claim, True
    if statement.strip() and statement.strip() != twin.statement:
        # Not a plain retry: what it says stays on the case for the agent.
        case_event(
            twin.case, Verb.BUYER_REPORTED_AGAIN, actor=kwargs.get("actor"), statement=statement.strip()
        )
    return twin, False


def claim_open_reads(*, order: int, type: str, since: datetime | None = None) -> dict:
    """What opening a claim reads once it holds the order's lock: the claims that could be its
    twin (`twins`, opened since `since`) and `claim_reads`; compiled once (`fetch_shaped`)."""
    return {"twins": open_claims_of_type(order, type, since=since), **claim_reads(order=order)}


def open_claims_of_type(order: Order | int, type: str, *, since=None):
    """The order's claims of this type still being worked on (opened since `since`), newest first."""
    claims = Claim.objects.filter(case__order=order, type=type, case__status__in=OPEN_STATUSES)
    if since is not None:
        claims = claims.filter(case__opened_at__gte=since)
    return claims.select_related("case").order_by("-case__opened_at", "-id")


def _open_twin(candidates: list[Claim], *, lines, dispute: DisputeIn | None) -> Claim | None:
    wanted = sorted((line.order_line.pk, line.quantity) for line in lines)
    for claim in candidates:  # hardly ever one: a claim sent twice within minutes
        same_lines = sorted(claim.lines.values_list("order_line_id", "quantity")) == wanted
        same_dispute = dispute is None or dispute.reference == claim.dispute_reference
        if same_lines and same_dispute:
            return claim
    return None
