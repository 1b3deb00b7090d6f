"""A claim sent twice: a client that did not hear the answer sends the same claim again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists
from django.utils import timezone

from cases.events import case_event
from cases.models import OPEN_STATUSES
from cases.services import lock_order_for_case
from cases.verbs import Verb
from orders.models import Order

from ..models import Claim
from .open import DisputeIn, LineIn, claim_open


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
    # The statement that locks it also tells whether a twin can exist and reserves the new case's id.
    since = timezone.now() - timedelta(minutes=settings.POSTSALE_DUPLICATE_CLAIM_MINUTES)
    candidates = _candidates(order=order, type=type, since=since)
    lock = lock_order_for_case(order, twin_possible=Exists(candidates))
    twin = _open_twin(candidates, lines=lines, dispute=dispute) if lock.found["twin_possible"] else None
    if twin is None:
        claim = claim_open(
            order=order, type=type, lines=lines, statement=statement, dispute=dispute, lock=lock, **kwargs
        )
        return claim, True
    if statement.strip() and statement.strip() != twin.statement:
        # Not a plain retry: what it says stays on the case for the agent.
        case_event(
            twin.case, Verb.BUYER_REPORTED_AGAIN, actor=kwargs.get("actor"), statement=statement.strip()
        )
    return twin, False


def _candidates(*, order: Order, type: str, since):
    return Claim.objects.filter(
        case__order=order, type=type, case__status__in=OPEN_STATUSES, case__opened_at__gte=since
    )


def _open_twin(candidates, *, lines, dispute: DisputeIn | None) -> Claim | None:
    wanted = sorted((line.order_line.pk, line.quantity) for line in lines)
    for claim in (
        candidates.select_related("case").prefetch_related("lines").order_by("-case__opened_at", "-id")
    ):
        same_lines = sorted((line.order_line_id, line.quantity) for line in claim.lines.all()) == wanted
        same_dispute = dispute is None or dispute.reference == claim.dispute_reference
        if same_lines and same_dispute:
            return claim
    return None
