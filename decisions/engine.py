"""The decision engine: pure Python over a compiled matrix, no database.

A matrix is an ordered list of rules; the first rule whose conditions all hold
decides. When none holds the case goes to a person (`escalate`). Compiling
turns the rules into plain tuples grouped by claim type, so an evaluation is a
short loop of comparisons (a few microseconds; the budget is 1 ms).

Rules may be model instances or dicts with the fields of `decisions.models.Rule`
(the JSON form of a matrix file), which is what lets the simulation and the
import check run the engine on rules that are not saved yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ANY = "any"
ESCALATE = "escalate"
NO_MATCH_REASON = "No rule of the matrix matched this case, so a person decides."

# Evidence kinds a rule can ask for; `any` asks for nothing.
DELIVERY_CONFIRMED = "delivery_confirmed"
SIGNATURE = "signature"
WEIGHT_CONSISTENT = "weight_consistent"
WEIGHT_INCONSISTENT = "weight_inconsistent"
PHOTOS_PROVIDED = "photos_provided"


@dataclass(frozen=True)
class DecisionInput:
    """What the matrix looks at. Built by claims from the claim's evidence."""

    claim_type: str
    order_value: Decimal
    buyer_risk: str = "normal"  # "normal" | "flagged"
    delivery_confirmed: bool = False
    signature: bool = False
    weight_consistent: bool | None = None  # None: no weight check was possible
    days_until_needed: int | None = None  # None: the buyer named no date
    prior_resolutions: int = (
        0  # how often the order was resolved before (claims, refunded or exchanged returns)
    )
    claims_last_365_days: int = 0  # the buyer's other claims in the last 365 days
    photos_provided: bool = False  # the buyer sent photos with or after the claim

    def __post_init__(self):
        if not isinstance(self.order_value, Decimal):
            object.__setattr__(self, "order_value", Decimal(str(self.order_value)))

    def evidence(self) -> frozenset[str]:
        """The evidence kinds this case has, `any` included."""
        kinds = [ANY]
        if self.delivery_confirmed:
            kinds.append(DELIVERY_CONFIRMED)
        if self.signature:
            kinds.append(SIGNATURE)
        if self.weight_consistent is True:
            kinds.append(WEIGHT_CONSISTENT)
        elif self.weight_consistent is False:
            kinds.append(WEIGHT_INCONSISTENT)
        if self.photos_provided:
            kinds.append(PHOTOS_PROVIDED)
        return frozenset(kinds)

    def to_json(self) -> dict[str, Any]:
        """The form stored on a DecisionRecord and replayed by the simulation."""
        return {
            "claim_type": self.claim_type,
            "order_value": str(self.order_value),
            "buyer_risk": self.buyer_risk,
            "delivery_confirmed": self.delivery_confirmed,
            "signature": self.signature,
            "weight_consistent": self.weight_consistent,
            "days_until_needed": self.days_until_needed,
            "prior_resolutions": self.prior_resolutions,
            "claims_last_365_days": self.claims_last_365_days,
            "photos_provided": self.photos_provided,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DecisionInput:
        return cls(
            claim_type=data["claim_type"],
            order_value=Decimal(str(data.get("order_value") or "0")),
            buyer_risk=data.get("buyer_risk") or "normal",
            delivery_confirmed=bool(data.get("delivery_confirmed")),
            signature=bool(data.get("signature")),
            weight_consistent=data.get("weight_consistent"),
            days_until_needed=data.get("days_until_needed"),
            # Records from before these inputs existed read as a first claim on a fresh order.
            prior_resolutions=int(data.get("prior_resolutions") or 0),
            claims_last_365_days=int(data.get("claims_last_365_days") or 0),
            photos_provided=bool(data.get("photos_provided")),
        )


@dataclass(frozen=True)
class Decision:
    action: str
    reason: str
    rule_id: int | None
    rule_position: int | None
    refund_percent: int | None
    auto_apply: bool
    matrix_id: int | None
    matrix_version: int | None

    @property
    def matched(self) -> bool:
        return self.rule_position is not None


def _field(rule: Any, name: str, default: Any = None) -> Any:
    if isinstance(rule, dict):
        return rule.get(name, default)
    return getattr(rule, name, default)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


# One compiled rule: (min_value, max_value, buyer_risk, evidence, needed_within_days,
# min_prior_resolutions, min_claims_last_365_days, decision).
_Compiled = tuple[Decimal | None, Decimal | None, str, str, int | None, int | None, int | None, Decision]


@dataclass(frozen=True)
class CompiledMatrix:
    matrix_id: int | None
    matrix_version: int | None
    # claim type -> the rules that can apply to it (its own and the `any` ones), in matrix order.
    by_claim_type: dict[str, tuple[_Compiled, ...]]
    any_type_rules: tuple[_Compiled, ...]
    rule_count: int = 0
    no_match: Decision = field(init=False)

    def __post_init__(self):
        object.__setattr__(
            self,
            "no_match",
            Decision(ESCALATE, NO_MATCH_REASON, None, None, None, False, self.matrix_id, self.matrix_version),
        )

    def evaluate(self, inputs: DecisionInput) -> Decision:
        rules = self.by_claim_type.get(inputs.claim_type, self.any_type_rules)
        value = inputs.order_value
        risk = inputs.buyer_risk
        evidence = inputs.evidence()
        days = inputs.days_until_needed
        resolutions = inputs.prior_resolutions
        claims = inputs.claims_last_365_days
        for low, high, rule_risk, rule_evidence, needed, min_resolutions, min_claims, decision in rules:
            if low is not None and value < low:
                continue
            if high is not None and value >= high:
                continue
            if rule_risk is not ANY and rule_risk != risk:
                continue
            if rule_evidence not in evidence:
                continue
            # "Needed within N days": the date is still ahead and at most N days away.
            # A date already passed is not "within"; a replacement can no longer make it.
            if needed is not None and (days is None or days < 0 or days > needed):
                continue
            if min_resolutions is not None and resolutions < min_resolutions:
                continue
            if min_claims is not None and claims < min_claims:
                continue
            return decision
        return self.no_match


def compile_matrix(matrix: Any, rules: Iterable[Any]) -> CompiledMatrix:
    """matrix: anything with `id` and `version` (or None); rules: in any order, sorted by position here."""
    matrix_id = _field(matrix, "id") if matrix is not None else None
    matrix_version = _field(matrix, "version") if matrix is not None else None
    ordered = sorted(enumerate(rules), key=lambda pair: (_field(pair[1], "position", pair[0]), pair[0]))
    compiled: list[tuple[str, _Compiled]] = []
    for index, rule in ordered:
        position = _field(rule, "position", index)
        percent = _field(rule, "refund_percent")
        decision = Decision(
            action=_field(rule, "action"),
            reason=_field(rule, "reason", "") or "",
            rule_id=_field(rule, "id") if not isinstance(rule, dict) else rule.get("id"),
            rule_position=position,
            refund_percent=int(percent) if percent is not None else None,
            auto_apply=bool(_field(rule, "auto_apply", False)),
            matrix_id=matrix_id,
            matrix_version=matrix_version,
        )
        risk = _field(rule, "buyer_risk", ANY) or ANY
        needed = _field(rule, "needed_within_days")
        min_resolutions = _field(rule, "min_prior_resolutions")
        min_claims = _field(rule, "min_claims_last_365_days")
        compiled.append(
            (
                _field(rule, "claim_type", ANY) or ANY,
                (
                    _decimal(_field(rule, "min_value")),
                    _decimal(_field(rule, "max_value")),
                    ANY if risk == ANY else risk,  # the interned constant, so `is ANY` holds
                    _field(rule, "evidence", ANY) or ANY,
                    int(needed) if needed is not None else None,
                    int(min_resolutions) if min_resolutions is not None else None,
                    int(min_claims) if min_claims is not None else None,
                    decision,
                ),
            )
        )
    claim_types = {claim_type for claim_type, _ in compiled if claim_type != ANY}
    by_claim_type = {
        claim_type: tuple(rule for rule_type, rule in compiled if rule_type in (claim_type, ANY))
        for claim_type in claim_types
    }
    any_type_rules = tuple(rule for rule_type, rule in compiled if rule_type == ANY)
    return CompiledMatrix(matrix_id, matrix_version, by_claim_type, any_type_rules, len(compiled))
