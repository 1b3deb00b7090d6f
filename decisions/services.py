"""Every write on decision matrices, and the evaluation that claims call.

The engine (`decisions.engine`) is pure; this module loads the shop's active
matrix, keeps it compiled in-process, stores each decision on its case, and
owns the matrix life cycle: draft → active → retired.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.db.models.fields.json import KT
from django.utils import timezone, translation

from cases.choices import Action
from cases.events import case_event, user_or_none
from cases.models import Case
from cases.verbs import Verb
from config.errors import Conflict
from orders.models import Shop

from . import defaults
from .engine import ANY, CompiledMatrix, Decision, DecisionInput, compile_matrix
from .models import (
    CLAIM_TYPE_VALUES,
    OVERRIDE_ACTION_VALUES,
    BuyerRisk,
    DecisionMatrix,
    DecisionRecord,
    Evidence,
    MatrixStatus,
    Rule,
)

RULE_FIELDS = (
    "claim_type",
    "min_value",
    "max_value",
    "buyer_risk",
    "evidence",
    "needed_within_days",
    "action",
    "refund_percent",
    "auto_apply",
    "reason",
)
MAX_RULES = 500
# Ten years: longer is a typo, and the database column holds only so much.
MAX_NEEDED_WITHIN_DAYS = 3650


# --- the active matrix and its compiled form --------------------------------


def next_matrix_version(shop: Shop) -> int:
    latest = DecisionMatrix.objects.filter(shop=shop).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def _create_rules(matrix: DecisionMatrix, rules: Iterable[dict]) -> None:
    Rule.objects.bulk_create(
        Rule(matrix=matrix, position=rule.get("position") or index, **{key: rule[key] for key in RULE_FIELDS})
        for index, rule in enumerate(rules, start=1)
    )


def active_matrix(shop: Shop) -> DecisionMatrix:
    """The shop's active matrix; a shop without one gets the default matrix of `defaults`."""
    # Ordered by id, not the model's (shop, -version): that ordering joins the shop table.
    matrix = DecisionMatrix.objects.filter(shop=shop, status=MatrixStatus.ACTIVE).order_by("pk").first()
    if matrix is not None:
        return matrix
    try:
        with transaction.atomic():
            matrix = DecisionMatrix.objects.create(
                shop=shop,
                version=next_matrix_version(shop),
                status=MatrixStatus.ACTIVE,
                currency=shop.currency,
                auto_apply_limit=defaults.default_auto_apply_limit(shop.currency),
                activated_at=timezone.now(),
                note="Default matrix from the seeds' practice.",
            )
            with translation.override(shop.default_language):
                _create_rules(matrix, defaults.default_rules(shop.currency))
            return matrix
    except IntegrityError:
        # Two first claims of a new shop at once: the other one created it (one active
        # per shop and unique versions are database constraints).
        return DecisionMatrix.objects.get(shop=shop, status=MatrixStatus.ACTIVE)


_cache: dict[int, tuple[tuple, CompiledMatrix]] = {}
_cache_lock = threading.Lock()


def _compiled(matrix: DecisionMatrix, stamp: tuple) -> CompiledMatrix:
    cached = _cache.get(matrix.pk)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    compiled = compile_matrix(matrix, list(matrix.rules.all()))
    with _cache_lock:
        if len(_cache) > 1000:
            _cache.clear()
        _cache[matrix.pk] = (stamp, compiled)
    return compiled


def compiled_for_shop(shop: Shop) -> CompiledMatrix:
    """The shop's active matrix, compiled. One query when nothing changed.

    The cache is per process and keyed by the matrix and a stamp of its rules
    (count, latest change, the matrix's own change), read on every call: an
    owner's edit in the admin is seen by the next decision in every worker.
    """
    row = (
        DecisionMatrix.objects.filter(shop=shop, status=MatrixStatus.ACTIVE)
        .annotate(rule_count=Count("rules"), rules_changed=Max("rules__updated_at"))
        .order_by("pk")
        .first()
    )
    if row is None:
        active_matrix(shop)
        return compiled_for_shop(shop)
    stamp = (row.shop_id, row.version, row.updated_at, row.rule_count, row.rules_changed)
    return _compiled(row, stamp)


def evaluate(*, shop: Shop, inputs: DecisionInput) -> Decision:
    return compiled_for_shop(shop).evaluate(inputs)


def record_decision(
    *, case: Case, decision: Decision, inputs: DecisionInput, auto_applied: bool
) -> DecisionRecord:
    """Keep what the matrix said about a case, with the inputs it said it from."""
    if auto_applied and not decision.auto_apply:
        raise ValidationError(
            "A decision whose rule does not allow auto-apply cannot have been auto-applied."
        )
    return DecisionRecord.objects.create(
        case=case,
        shop_id=case.shop_id,
        matrix_id=decision.matrix_id,
        matrix_version=decision.matrix_version,
        rule_id=decision.rule_id,
        rule_position=decision.rule_position,
        inputs=inputs.to_json(),
        action=decision.action,
        refund_percent=decision.refund_percent,
        reason=decision.reason,
        auto_apply=decision.auto_apply,
        auto_applied=auto_applied,
    )


def override_decision(*, record: DecisionRecord, by, action: str, reason: str) -> DecisionRecord:
    """An agent replaces the matrix's recommendation; the reason is required and goes on the timeline."""
    reason = (reason or "").strip()
    errors = {}
    if action not in OVERRIDE_ACTION_VALUES:
        errors["action"] = [f"Unknown action {action!r}."]
    if not reason:
        errors["reason"] = ["Say why the recommendation is overridden."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = DecisionRecord.objects.select_for_update().select_related("case").get(pk=record.pk)
        old = record.effective_action
        record.override_action = action
        record.override_reason = reason
        record.overridden_by = user_or_none(by)
        record.overridden_at = timezone.now()
        record.save(update_fields=["override_action", "override_reason", "overridden_by", "overridden_at"])
        case_event(
            record.case,
            Verb.DECISION_OVERRIDDEN,
            actor=by,
            old=old,
            new=action,
            decision=record.pk,
            rule_position=record.rule_position,
            reason=reason,
        )
    return record


# --- rule validation --------------------------------------------------------


def _as_decimal(value: Any, errors: list[str]) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        errors.append('Give amounts as strings or whole numbers, e.g. "49.90".')
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.append(f"{value!r} is not an amount.")
        return None
    if not amount.is_finite() or amount < 0:
        errors.append("Amounts are zero or more.")
        return None
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e10"):
        errors.append("At most 10 digits before and 2 after the decimal point.")
        return None
    return amount


def rule_errors(rule: dict) -> dict[str, list[str]]:
    """What is wrong with one rule, by field. Also normalises the amounts in `rule` to Decimal."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name, allowed in (
        ("claim_type", CLAIM_TYPE_VALUES),
        ("buyer_risk", BuyerRisk.values),
        ("evidence", Evidence.values),
        ("action", Action.values),
    ):
        value = rule.get(name, ANY if name != "action" else None)
        if value not in allowed:
            add(name, f"Unknown {name.replace('_', ' ')} {value!r}; one of: {', '.join(allowed)}.")
    for name in ("min_value", "max_value"):
        messages: list[str] = []
        rule[name] = _as_decimal(rule.get(name), messages)
        for message in messages:
            add(name, message)
    low, high = rule.get("min_value"), rule.get("max_value")
    if low is not None and high is not None and low >= high:
        add("max_value", f"The band [{low}, {high}) is empty: the upper bound must be above the lower one.")
    days = rule.get("needed_within_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_NEEDED_WITHIN_DAYS
    ):
        add(
            "needed_within_days",
            f"Give a whole number of days from 0 to {MAX_NEEDED_WITHIN_DAYS}, or leave it empty.",
        )
    percent = rule.get("refund_percent")
    if percent is not None and (
        isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100
    ):
        add("refund_percent", "The refund percentage is a whole number from 0 to 100.")
    if rule.get("action") == Action.PARTIAL_REFUND and percent is None:
        add("refund_percent", "A partial refund needs its percentage.")
    if not isinstance(rule.get("auto_apply", False), bool):
        add("auto_apply", "auto_apply is true or false.")
    reason = rule.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        add("reason", "Every rule needs the reason shown to the agent.")
    return errors


def _covers(earlier: dict, later: dict) -> bool:
    """Whether every case `later` matches is already matched by `earlier`."""
    for name in ("claim_type", "buyer_risk", "evidence"):
        if earlier.get(name, ANY) != ANY and earlier.get(name, ANY) != later.get(name, ANY):
            return False
    e_low, e_high = earlier.get("min_value"), earlier.get("max_value")
    l_low, l_high = later.get("min_value"), later.get("max_value")
    if e_low is not None and (l_low is None or Decimal(l_low) < Decimal(e_low)):
        return False
    if e_high is not None and (l_high is None or Decimal(l_high) > Decimal(e_high)):
        return False
    e_days, l_days = earlier.get("needed_within_days"), later.get("needed_within_days")
    if e_days is not None and (l_days is None or l_days > e_days):
        return False
    return True


def unreachable_rules(rules: list[dict]) -> list[tuple[int, int]]:
    """(index, index of the earlier rule that covers it) for every rule that can never match.

    Only a single earlier rule covering a later one is found; a later rule hidden
    by several earlier ones together is not reported.
    """
    found = []
    for later_index, later in enumerate(rules):
        for earlier_index in range(later_index):
            if _covers(rules[earlier_index], later):
                found.append((later_index, earlier_index))
                break
    return found


def rules_warnings(rules: list[dict], *, label=lambda index, rule: f"rule {index + 1}") -> list[str]:
    return [
        f"{label(index, rules[index])} can never match: {label(earlier, rules[earlier])} above it covers every "
        "case it would."
        for index, earlier in unreachable_rules(rules)
    ]


def rule_as_dict(rule: Rule) -> dict:
    return {"position": rule.position, **{name: getattr(rule, name) for name in RULE_FIELDS}}


def matrix_warnings(matrix: DecisionMatrix) -> list[str]:
    rules = [rule_as_dict(rule) for rule in matrix.rules.all()]
    return rules_warnings(rules, label=lambda index, rule: f"Rule at position {rule['position']}")


def _validate_matrix_rules(matrix: DecisionMatrix) -> None:
    errors = {}
    for rule in matrix.rules.all():
        for name, messages in rule_errors(rule_as_dict(rule)).items():
            errors[f"rules[position {rule.position}].{name}"] = messages
    if errors:
        raise ValidationError(errors)


# --- the life cycle: draft → active → retired -------------------------------


def matrix_create_draft(
    *, shop: Shop, by=None, from_matrix: DecisionMatrix | None = None, note: str = ""
) -> DecisionMatrix:
    """A new draft version with the rules of `from_matrix` (default: the shop's active matrix)."""
    source = from_matrix or active_matrix(shop)
    if source.shop_id != shop.pk:
        raise ValidationError({"from_matrix": ["Copy a matrix of the same shop."]})
    with transaction.atomic():
        # Serialise version numbers per shop.
        Shop.objects.select_for_update().filter(pk=shop.pk).order_by().first()
        draft = DecisionMatrix.objects.create(
            shop=shop,
            version=next_matrix_version(shop),
            status=MatrixStatus.DRAFT,
            currency=shop.currency,
            auto_apply_limit=source.auto_apply_limit,
            created_by=by,
            note=note or f"Copy of version {source.version}.",
        )
        _create_rules(draft, [rule_as_dict(rule) for rule in source.rules.all()])
    return draft


def matrix_activate(*, matrix: DecisionMatrix, by=None) -> DecisionMatrix:
    """Make a draft the shop's active matrix; the one active until now is retired."""
    with transaction.atomic():
        matrices = list(
            DecisionMatrix.objects.select_for_update().filter(shop_id=matrix.shop_id).order_by("pk")
        )
        matrix = next(m for m in matrices if m.pk == matrix.pk)
        if matrix.status != MatrixStatus.DRAFT:
            raise Conflict(f"Version {matrix.version} is {matrix.status}; only a draft can be activated.")
        if matrix.currency != matrix.shop.currency:
            raise ValidationError(
                {
                    "currency": [
                        f"The matrix is in {matrix.currency}, the shop sells in {matrix.shop.currency}."
                    ]
                }
            )
        if not matrix.rules.exists():
            raise ValidationError({"rules": ["A matrix without rules would escalate every case."]})
        _validate_matrix_rules(matrix)
        now = timezone.now()
        # Retire first: the database allows one active matrix per shop at any moment.
        for old in matrices:
            if old.status == MatrixStatus.ACTIVE:
                old.status = MatrixStatus.RETIRED
                old.retired_at = now
                old.save(update_fields=["status", "retired_at", "updated_at"])
        matrix.status = MatrixStatus.ACTIVE
        matrix.activated_at = now
        matrix.activated_by = by
        matrix.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
    return matrix


# --- matrix files -----------------------------------------------------------


def _json_amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def matrix_export(matrix: DecisionMatrix) -> dict:
    return {
        "shop": matrix.shop.slug,
        "version": matrix.version,
        "currency": matrix.currency,
        "auto_apply_limit": str(matrix.auto_apply_limit),
        "rules": [
            {
                **{name: getattr(rule, name) for name in RULE_FIELDS},
                "min_value": _json_amount(rule.min_value),
                "max_value": _json_amount(rule.max_value),
            }
            for rule in matrix.rules.all()
        ],
    }


def _checked_file(*, shop: Shop, data: Any, other_shop: bool = False) -> tuple[Decimal, list[dict]]:
    if not isinstance(data, dict):
        raise ValidationError({"file": ['The file must hold one JSON object with a "rules" list.']})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - {"shop", "version", "currency", "auto_apply_limit", "rules"})
    if unknown:
        errors["file"] = [f"Unknown keys: {', '.join(unknown)}."]
    source = data.get("shop")
    if source is not None and source != shop.slug and not other_shop:
        # Another shop's rules (its amounts, its reasons) are usually the wrong file.
        errors["shop"] = [
            f"The file is the matrix of shop {source!r}, not {shop.slug!r}; copy it on purpose with --force."
        ]
    currency = data.get("currency")
    if currency != shop.currency:
        errors["currency"] = [f"The file is in {currency!r}, shop {shop.slug!r} sells in {shop.currency!r}."]
    limit_errors: list[str] = []
    limit = _as_decimal(data.get("auto_apply_limit"), limit_errors)
    if limit is None and not limit_errors:
        limit_errors.append("auto_apply_limit is required (0 means nothing applies itself).")
    if limit_errors:
        errors["auto_apply_limit"] = limit_errors
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        errors["rules"] = ['"rules" must be a non-empty list.']
        rules = []
    elif len(rules) > MAX_RULES:
        errors["rules"] = [f"At most {MAX_RULES} rules."]
    cleaned = []
    for index, raw in enumerate(rules):
        if not isinstance(raw, dict):
            errors[f"rules[{index}]"] = ["Each rule is a JSON object."]
            continue
        unknown = sorted(set(raw) - set(RULE_FIELDS) - {"position"})
        if unknown:
            errors[f"rules[{index}]"] = [f"Unknown keys: {', '.join(unknown)}."]
        rule = {name: raw.get(name) for name in RULE_FIELDS}
        for name, default in (
            ("claim_type", ANY),
            ("buyer_risk", ANY),
            ("evidence", ANY),
            ("auto_apply", False),
        ):
            if rule[name] is None:
                rule[name] = default
        for name, messages in rule_errors(rule).items():
            errors[f"rules[{index}].{name}"] = messages
        rule["position"] = index + 1
        cleaned.append(rule)
    if errors:
        raise ValidationError(errors)
    return limit, cleaned


def matrix_import(
    *, shop: Shop, data: Any, by=None, activate: bool = False, other_shop: bool = False
) -> DecisionMatrix:
    """Read a matrix file (the form `matrix_export` writes) into a new draft of `shop`, or activate it.

    Bad files raise ValidationError keyed by where the problem is: `currency`,
    `rules[3].max_value`… Nothing is stored unless the whole file is good. A
    file exported from another shop is refused unless `other_shop` says it is meant.
    """
    limit, rules = _checked_file(shop=shop, data=data, other_shop=other_shop)
    with transaction.atomic():
        Shop.objects.select_for_update().filter(pk=shop.pk).order_by().first()
        matrix = DecisionMatrix.objects.create(
            shop=shop,
            version=next_matrix_version(shop),
            status=MatrixStatus.DRAFT,
            currency=shop.currency,
            auto_apply_limit=limit,
            created_by=by,
            note="Imported from a matrix file.",
        )
        _create_rules(matrix, rules)
        if activate:
            matrix = matrix_activate(matrix=matrix, by=by)
    return matrix


# --- simulation -------------------------------------------------------------


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
    - reship, reship_with_return_label, remake: the goods again, priced at the
      order value (an upper bound: the shop's cost price is not known here), plus
      one shipment at the shop's shipping estimate. The return label is only
      paid if the duplicate comes back, and then the goods come back too: 0.
    - carrier_claim: 0; the carrier is expected to pay for what it lost.
    - request_info, escalate, deny, hold_order, cancel_order: 0; they cost time,
      not money (a cancelled order's payment goes back, but so do the goods).
    """
    if action == Action.REFUND:
        percent = 100 if refund_percent is None else refund_percent
        return (order_value * percent / 100).quantize(Decimal("0.01"))
    if action == Action.PARTIAL_REFUND:
        return (order_value * (refund_percent or 0) / 100).quantize(Decimal("0.01"))
    if action in (Action.RESHIP, Action.RESHIP_WITH_RETURN_LABEL, Action.REMAKE):
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
