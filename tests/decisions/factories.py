"""Minimal setup for decision tests: cases made directly, decisions through the real services."""

import itertools
from decimal import Decimal

from cases.models import Case, CaseKind, OpenedVia
from decisions import services
from decisions.engine import DecisionInput

_references = itertools.count(1)


def make_case(shop, *, order_value="40.00") -> Case:
    return Case.objects.create(
        reference=f"C-TEST-{next(_references):06d}",
        kind=CaseKind.CLAIM,
        shop=shop,
        opened_via=OpenedVia.API,
        order_value=Decimal(order_value),
        currency=shop.currency,
    )


def decided_case(shop, inputs: DecisionInput):
    """A case with one decision of the shop's active matrix on it."""
    case = make_case(shop, order_value=inputs.order_value)
    decision = services.evaluate(shop=shop, inputs=inputs)
    return services.record_decision(case=case, decision=decision, inputs=inputs, auto_applied=False)


def rule(claim_type="any", action="escalate", reason="because", **fields) -> dict:
    return {"claim_type": claim_type, "action": action, "reason": reason, **fields}
