"""The money at stake in an action on a claim: what the limits are checked against and a refund pays."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from cases.choices import MONEY_BACK, REPLACEMENTS, Action
from cases.models import Case

from ..models import Claim

CENT = Decimal("0.01")


def amount_at_stake(case: Case, claim: Claim | None, action: str, percent: int | None) -> Decimal | None:
    """The affected lines if the buyer named them, else the whole order; None if no money or goods go out.

    A refund of the whole order includes what the buyer paid for shipping; a
    replacement costs the goods (its shipping is counted separately).
    """
    claimed = _claimed_goods(claim)
    order = case.order
    if action in REPLACEMENTS:
        if claimed is not None:
            return claimed.quantize(CENT)
        goods = (
            sum((line.line_total for line in order.lines.all()), start=Decimal("0"))
            if order
            else Decimal("0")
        )
        return goods.quantize(CENT)
    if action not in MONEY_BACK:
        return None
    base = claimed if claimed is not None else (order.total if order else Decimal("0"))
    if percent is None:
        # A partial refund nobody gave a share for is half; a refund or store credit is all of it.
        percent = 50 if action == Action.PARTIAL_REFUND else 100
    # A refund rule may name a percent too: it is paid at that percent, as simulate costs it.
    return (base * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _claimed_goods(claim: Claim | None) -> Decimal | None:
    if claim is None:
        return None
    lines = list(claim.lines.select_related("order_line"))
    if not lines:
        return None
    return sum((cl.order_line.unit_price * cl.quantity for cl in lines), start=Decimal("0"))
