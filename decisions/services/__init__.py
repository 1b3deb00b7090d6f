"""Every write on decision matrices, and the evaluation that claims call; one module per capability.

This package's public face: the admin, the API, the commands and `decisions.public` import from here.
"""

from .evaluate import evaluate, override_decision, record_decision
from .files import MAX_RULES, matrix_export, matrix_import
from .matrix import (
    active_matrix,
    compiled_for_shop,
    matrix_activate,
    matrix_create_draft,
    next_matrix_version,
)
from .rules import (
    MAX_NEEDED_WITHIN_DAYS,
    RULE_FIELDS,
    matrix_warnings,
    rule_as_dict,
    rule_errors,
    unreachable_rules,
)
from .simulation import ChangedCase, SimulationResult, estimated_cost, simulate, what_was_done

__all__ = [
    "MAX_NEEDED_WITHIN_DAYS",
    "MAX_RULES",
    "RULE_FIELDS",
    "ChangedCase",
    "SimulationResult",
    "active_matrix",
    "compiled_for_shop",
    "estimated_cost",
    "evaluate",
    "matrix_activate",
    "matrix_create_draft",
    "matrix_export",
    "matrix_import",
    "matrix_warnings",
    "next_matrix_version",
    "override_decision",
    "record_decision",
    "rule_as_dict",
    "rule_errors",
    "simulate",
    "unreachable_rules",
    "what_was_done",
]
