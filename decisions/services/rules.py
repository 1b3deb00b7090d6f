"""What makes a rule valid, and which rules can never match.

A rule reaches the database from the admin's rule form, from a matrix file or
as a copy of another version; all of them ask `rule_errors`, so a rule is
refused for the same reasons, in the owner's language, wherever it comes from.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import Action

from ..engine import ANY
from ..models import CLAIM_TYPE_VALUES, RULE_ACTION_VALUES, BuyerRisk, DecisionMatrix, Evidence, Rule

RULE_FIELDS = (
    "claim_type",
    "min_value",
    "max_value",
    "buyer_risk",
    "evidence",
    "needed_within_days",
    "min_prior_resolutions",
    "min_claims_last_365_days",
    "action",
    "refund_percent",
    "auto_apply",
    "reason",
)
# Ten years: longer is a typo, and the database column holds only so much.
MAX_NEEDED_WITHIN_DAYS = 3650
# More resolutions of one order, or claims of one buyer in a year, than anyone has.
MAX_COUNT = 1000

# The fields that take one of a list of values, and what an owner is told when a rule's is not one of them.
_ONE_OF = {
    "claim_type": (CLAIM_TYPE_VALUES, gettext_lazy("Unknown claim type %(value)s; one of: %(choices)s.")),
    "buyer_risk": (BuyerRisk.values, gettext_lazy("Unknown buyer risk %(value)s; one of: %(choices)s.")),
    "evidence": (Evidence.values, gettext_lazy("Unknown evidence %(value)s; one of: %(choices)s.")),
    "action": (RULE_ACTION_VALUES, gettext_lazy("Unknown action %(value)s; one of: %(choices)s.")),
}


def parse_amount(value: Any, errors: list[str]) -> Decimal | None:
    """An amount of a rule or a matrix file as a Decimal; None when empty or wrong (then `errors` says why)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        # A JSON float is already rounded in binary: 49.9 might be 49.89999….
        errors.append(_('Give amounts as strings or whole numbers, e.g. "49.90".'))
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.append(_("%(value)s is not an amount.") % {"value": repr(value)})
        return None
    if not amount.is_finite() or amount < 0:
        errors.append(_("Amounts are zero or more."))
        return None
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e10"):
        errors.append(_("At most 10 digits before and 2 after the decimal point."))
        return None
    return amount


def _is_whole_number(value: Any, low: int, high: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


def rule_errors(rule: dict) -> dict[str, list[str]]:
    """What is wrong with one rule, by field. Also normalises the amounts in `rule` to Decimal."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name, (allowed, message) in _ONE_OF.items():
        value = rule.get(name, ANY if name != "action" else None)
        if value not in allowed:
            add(name, message % {"value": repr(value), "choices": ", ".join(allowed)})
    for name in ("min_value", "max_value"):
        messages: list[str] = []
        rule[name] = parse_amount(rule.get(name), messages)
        for message in messages:
            add(name, message)
    low, high = rule.get("min_value"), rule.get("max_value")
    if low is not None and high is not None and low >= high:
        add(
            "max_value",
            _("The band [%(low)s, %(high)s) is empty: the upper bound must be above the lower one.")
            % {"low": low, "high": high},
        )
    days = rule.get("needed_within_days")
    if days is not None and not _is_whole_number(days, 0, MAX_NEEDED_WITHIN_DAYS):
        add(
            "needed_within_days",
            _("Give a whole number of days from 0 to %(max)s, or leave it empty.")
            % {"max": MAX_NEEDED_WITHIN_DAYS},
        )
    for name in ("min_prior_resolutions", "min_claims_last_365_days"):
        count = rule.get(name)
        if count is not None and not _is_whole_number(count, 0, MAX_COUNT):
            add(name, _("Give a whole number from 0 to %(max)s, or leave it empty.") % {"max": MAX_COUNT})
    percent = rule.get("refund_percent")
    if percent is not None and not _is_whole_number(percent, 0, 100):
        add("refund_percent", _("The refund percentage is a whole number from 0 to 100."))
    if rule.get("action") == Action.PARTIAL_REFUND and percent is None:
        add("refund_percent", _("A partial refund needs its percentage."))
    if not isinstance(rule.get("auto_apply", False), bool):
        add("auto_apply", _("auto_apply is true or false."))
    reason = rule.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        add("reason", _("Every rule needs the reason shown to the agent."))
    return errors


def rule_as_dict(rule: Rule) -> dict:
    return {"position": rule.position, **{name: getattr(rule, name) for name in RULE_FIELDS}}


def validate_matrix_rules(matrix: DecisionMatrix) -> None:
    """Refuse a matrix with a bad rule, keyed by the rule's position (rules edited in the shell or SQL too)."""
    errors = {}
    for rule in matrix.rules.all():
        for name, messages in rule_errors(rule_as_dict(rule)).items():
            errors[f"rules[position {rule.position}].{name}"] = messages
    if errors:
        raise ValidationError(errors)


# --- rules that can never match ---------------------------------------------


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
    for name in ("min_prior_resolutions", "min_claims_last_365_days"):
        e_min, l_min = earlier.get(name), later.get(name)
        if e_min is not None and (l_min is None or l_min < e_min):
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


def matrix_warnings(matrix: DecisionMatrix) -> list[str]:
    """One sentence for each rule of the matrix that can never match, naming the rule above that hides it."""
    rules = [rule_as_dict(rule) for rule in matrix.rules.all()]
    return [
        _(
            "Rule at position %(position)s can never match: the rule at position %(earlier)s above it "
            "covers every case it would."
        )
        % {"position": rules[index]["position"], "earlier": rules[earlier]["position"]}
        for index, earlier in unreachable_rules(rules)
    ]
