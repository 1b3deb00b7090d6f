"""Matrix files: a shop's matrix as JSON (`export_matrix`) and back into a new version (`import_matrix`).

A file is checked whole before anything is stored, and every problem is named
by where it is (`currency`, `rules[3].max_value`…), so an owner fixes the file
in one pass rather than one error at a time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from orders.models import Shop

from ..engine import ANY
from ..models import AUTO_APPLY_MAX_CLAIMS, DecisionMatrix
from .matrix import matrix_activate, new_draft
from .rules import RULE_FIELDS, parse_amount, rule_errors

FILE_KEYS = {"shop", "version", "currency", "auto_apply_limit", "auto_apply_max_claims", "rules"}
MAX_RULES = 500
# What a file may leave out of a rule: it then holds for any case, and does not apply itself.
RULE_DEFAULTS = {"claim_type": ANY, "buyer_risk": ANY, "evidence": ANY, "auto_apply": False}


def _json_amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def matrix_export(matrix: DecisionMatrix) -> dict:
    return {
        "shop": matrix.shop.slug,
        "version": matrix.version,
        "currency": matrix.currency,
        "auto_apply_limit": str(matrix.auto_apply_limit),
        "auto_apply_max_claims": matrix.auto_apply_max_claims,
        "rules": [
            {
                **{name: getattr(rule, name) for name in RULE_FIELDS},
                "min_value": _json_amount(rule.min_value),
                "max_value": _json_amount(rule.max_value),
            }
            for rule in matrix.rules.all()
        ],
    }


def _unknown_keys(keys) -> list[str]:
    return [_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(keys))}]


def _header_errors(
    *, shop: Shop, data: dict, other_shop: bool
) -> tuple[Decimal | None, int, dict[str, list[str]]]:
    """The file's own keys checked: the auto-apply limit and claims, and what is wrong by key."""
    errors: dict[str, list[str]] = {}
    if set(data) - FILE_KEYS:
        errors["file"] = _unknown_keys(set(data) - FILE_KEYS)
    source = data.get("shop")
    if source is not None and source != shop.slug and not other_shop:
        # Another shop's rules (its amounts, its reasons) are usually the wrong file.
        errors["shop"] = [
            _("The file is the matrix of shop %(source)s, not %(shop)s; copy it on purpose with --force.")
            % {"source": repr(source), "shop": repr(shop.slug)}
        ]
    currency = data.get("currency")
    if currency != shop.currency:
        errors["currency"] = [
            _("The file is in %(currency)s, shop %(shop)s sells in %(shop_currency)s.")
            % {"currency": repr(currency), "shop": repr(shop.slug), "shop_currency": repr(shop.currency)}
        ]
    limit_errors: list[str] = []
    limit = parse_amount(data.get("auto_apply_limit"), limit_errors)
    if limit is None and not limit_errors:
        limit_errors.append(_("auto_apply_limit is required (0 means nothing applies itself)."))
    if limit_errors:
        errors["auto_apply_limit"] = limit_errors
    # A file written before the setting existed gets the default.
    max_claims = data.get("auto_apply_max_claims", AUTO_APPLY_MAX_CLAIMS)
    if isinstance(max_claims, bool) or not isinstance(max_claims, int) or not 0 <= max_claims <= 1000:
        errors["auto_apply_max_claims"] = [_("auto_apply_max_claims is a whole number from 0 to 1000.")]
    return limit, max_claims, errors


def _checked_rules(rules: Any, errors: dict[str, list[str]]) -> list[dict]:
    """The file's rules with their defaults and positions; what is wrong goes into `errors`."""
    if not isinstance(rules, list) or not rules:
        errors["rules"] = [_('"rules" must be a non-empty list.')]
        return []
    if len(rules) > MAX_RULES:
        errors["rules"] = [_("At most %(count)s rules.") % {"count": MAX_RULES}]
    cleaned = []
    for index, raw in enumerate(rules):
        if not isinstance(raw, dict):
            errors[f"rules[{index}]"] = [_("Each rule is a JSON object.")]
            continue
        if set(raw) - set(RULE_FIELDS) - {"position"}:
            errors[f"rules[{index}]"] = _unknown_keys(set(raw) - set(RULE_FIELDS) - {"position"})
        rule = {name: raw.get(name) for name in RULE_FIELDS}
        rule.update({name: default for name, default in RULE_DEFAULTS.items() if rule[name] is None})
        for name, messages in rule_errors(rule).items():
            errors[f"rules[{index}].{name}"] = messages
        rule["position"] = index + 1
        cleaned.append(rule)
    return cleaned


def matrix_import(
    *, shop: Shop, data: Any, by=None, activate: bool = False, other_shop: bool = False
) -> DecisionMatrix:
    """Read a matrix file (the form `matrix_export` writes) into a new draft of `shop`, or activate it.

    Bad files raise ValidationError keyed by where the problem is: `currency`,
    `rules[3].max_value`… Nothing is stored unless the whole file is good. A
    file exported from another shop is refused unless `other_shop` says it is meant.
    """
    if not isinstance(data, dict):
        raise ValidationError({"file": [_('The file must hold one JSON object with a "rules" list.')]})
    limit, max_claims, errors = _header_errors(shop=shop, data=data, other_shop=other_shop)
    rules = _checked_rules(data.get("rules"), errors)
    if errors:
        raise ValidationError(errors)
    with translation.override(shop.default_language):
        note = _("Imported from a matrix file.")
    with transaction.atomic():
        matrix = new_draft(
            shop=shop,
            rules=rules,
            auto_apply_limit=limit,
            auto_apply_max_claims=max_claims,
            by=by,
            note=note,
        )
        if activate:
            matrix = matrix_activate(matrix=matrix, by=by)
    return matrix
