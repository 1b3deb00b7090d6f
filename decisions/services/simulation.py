"""Replaying a shop's recent cases under a draft, to see what it would change and cost before it is activated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models.fields.json import KT
from django.utils import timezone

from cases.choices import REPLACEMENTS, Action
from cases.models import Case, CaseEvent
from cases.verbs import Verb

from .. import defaults
from ..engine import DecisionInput, compile_matrix
from ..models import DecisionMatrix, DecisionRecord


@dataclass(frozen=True)
class ChangedCase:
    case_id: int
    reference: str
    order_value: Decimal
    old_action: str
    new_action: str
    new_rule_position: int | None
    new_reason: str
    cost_difference: Decimal


@dataclass
class SimulationResult:
    matrix: DecisionMatrix
    since: datetime
    cases: int = 0
    cost_before: Decimal = Decimal("0")
    cost_after: Decimal = Decimal("0")
    changed: list[ChangedCase] = field(default_factory=list)

    @property
    def cost_difference(self) -> Decimal:
        return self.cost_after - self.cost_before


def estimated_cost(
    action: str, order_value: Decimal, refund_percent: int | None, shipping: Decimal
) -> Decimal:
    """What an action is expected to cost the shop, for comparing matrices; not accounting.

    - refund: the order value; partial_refund: the order value × percent
      (a refund rule may also name a percent, then that).
    - the replacements (`REPLACEMENTS`: reship, reship_with_return_label,
      remake): the goods again, priced at the order value (an upper bound: the
      shop's cost price is not known here), plus one shipment at the shop's
      shipping estimate. The return label is only paid if the duplicate comes
      back, and then the goods come back too: 0.
    - carrier_claim: 0; the carrier is expected to pay for what it lost.
    - request_info, escalate, deny, hold_order, cancel_order: 0; they cost time,
      not money (a cancelled order's payment goes back, but so do the goods).
    """
    if action == Action.REFUND:
        percent = 100 if refund_percent is None else refund_percent
        return (order_value * percent / 100).quantize(Decimal("0.01"))
    if action == Action.PARTIAL_REFUND:
        return (order_value * (refund_percent or 0) / 100).quantize(Decimal("0.01"))
    if action in REPLACEMENTS:
        return order_value + shipping
    return Decimal("0")


_INPUT_KEYS = (
    "claim_type",
    "order_value",
    "buyer_risk",
    "delivery_confirmed",
    "signature",
    "weight_consistent",
    "days_until_needed",
    "prior_resolutions",
    "claims_last_365_days",
)
# JSON values read as text: PostgreSQL gives "true" and NULL, SQLite may give 1 and "null".
_TRUE = frozenset({"true", "1", 1})
_NULL = (None, "null")


def simulate(*, draft: DecisionMatrix, days: int = 90) -> SimulationResult:
    """Replay the shop's cases of the last `days` days under `draft`.

    Each case counts once, with the inputs of its latest decision, compared
    with what the matrix said then (not an agent's override). Costs follow
    `estimated_cost`. The inputs are read as text columns rather than decoded
    JSON documents, which is most of the time for 100k records; one more query
    fetches the references of the changed cases.
    """
    compiled = compile_matrix(draft, list(draft.rules.all()))
    shipping = defaults.shipping_estimate(draft.currency)
    since = timezone.now() - timedelta(days=days)
    rows = (
        DecisionRecord.objects.filter(shop_id=draft.shop_id, created_at__gte=since)
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "action", "refund_percent", *(KT(f"inputs__{key}") for key in _INPUT_KEYS))
    )
    latest: dict[int, tuple] = {}
    for row in rows.iterator(chunk_size=5000):
        latest[row[0]] = row
    result = SimulationResult(matrix=draft, since=since, cases=len(latest))
    before = after = Decimal("0")
    evaluate_ = compiled.evaluate
    changed = []
    for (
        case_id,
        old_action,
        old_percent,
        claim_type,
        value,
        risk,
        confirmed,
        signed,
        weight,
        needed,
        resolutions,
        claims,
    ) in latest.values():
        value = Decimal(value or "0")
        inputs = DecisionInput(
            claim_type,
            value,
            risk if risk not in _NULL else "normal",
            confirmed in _TRUE,
            signed in _TRUE,
            None if weight in _NULL else weight in _TRUE,
            None if needed in _NULL else int(needed),
            # Records from before these inputs existed: a first claim on a fresh order.
            0 if resolutions in _NULL else int(resolutions),
            0 if claims in _NULL else int(claims),
        )
        decision = evaluate_(inputs)
        old_cost = estimated_cost(old_action, value, old_percent, shipping)
        if decision.action == old_action and decision.refund_percent == old_percent:
            new_cost = old_cost
        else:
            new_cost = estimated_cost(decision.action, value, decision.refund_percent, shipping)
        before += old_cost
        after += new_cost
        if decision.action != old_action or old_cost != new_cost:
            changed.append((case_id, value, old_action, decision, new_cost - old_cost))
    references = {}
    ids = [item[0] for item in changed]
    for start in range(0, len(ids), 10_000):
        references.update(
            Case.objects.filter(pk__in=ids[start : start + 10_000]).values_list("pk", "reference")
        )
    result.changed = [
        ChangedCase(
            case_id=case_id,
            reference=references.get(case_id, ""),
            order_value=value,
            old_action=old_action,
            new_action=decision.action,
            new_rule_position=decision.rule_position,
            new_reason=decision.reason,
            cost_difference=difference,
        )
        for case_id, value, old_action, decision, difference in changed
    ]
    result.cost_before, result.cost_after = before, after
    return result


def what_was_done(case_ids) -> dict[int, str]:
    """The action each case was last resolved with (a refund, a replacement…), for the simulation to show
    next to what the draft would recommend; cases not resolved are left out. One query."""
    done: dict[int, str] = {}
    events = (
        CaseEvent.objects.filter(case_id__in=list(case_ids), verb=Verb.RESOLVED)
        .order_by("case_id", "-id")
        .values_list("case_id", "new")
    )
    for case_id, action in events:
        done.setdefault(case_id, action)
    return done
