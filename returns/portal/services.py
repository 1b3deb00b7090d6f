"""The portal's own writes: thin wrappers that add what the buyer told us to the real services."""

from __future__ import annotations

from django.db import transaction

from desk import services as desk
from desk.models import OpenedVia
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
        desk.case_event(request.case, "buyer_stated_condition", new=condition, rma=request.rma)
    return request
