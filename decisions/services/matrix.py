"""A shop's matrix through its life: the default one, drafts, activation, and the compiled form evaluations use.

Every shop has exactly one active matrix (a database constraint); a shop that
never had one gets the default matrix of `decisions.defaults` on its first
decision. An owner changes the rules on a draft, a new version, and activates
it; the active one until then is retired and kept, because the decisions made
with it name it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.errors import Conflict
from orders.models import Shop

from .. import defaults
from ..engine import CompiledMatrix, compile_matrix
from ..models import AUTO_APPLY_MAX_CLAIMS, DecisionMatrix, MatrixStatus, Rule
from .rules import RULE_FIELDS, rule_as_dict, validate_matrix_rules


def next_matrix_version(shop: Shop) -> int:
    latest = DecisionMatrix.objects.filter(shop=shop).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def _create(shop: Shop, *, rules: Iterable[dict], **fields) -> DecisionMatrix:
    matrix = DecisionMatrix.objects.create(
        shop=shop, version=next_matrix_version(shop), currency=shop.currency, **fields
    )
    Rule.objects.bulk_create(
        Rule(matrix=matrix, position=rule.get("position") or index, **{key: rule[key] for key in RULE_FIELDS})
        for index, rule in enumerate(rules, start=1)
    )
    return matrix


def new_draft(
    *,
    shop: Shop,
    rules: Iterable[dict],
    auto_apply_limit: Decimal,
    auto_apply_max_claims: int = AUTO_APPLY_MAX_CLAIMS,
    by=None,
    note: str,
) -> DecisionMatrix:
    """A new draft version of the shop's matrix with these rules. Call it inside a transaction."""
    # Two drafts at once would both take the next version number: one waits for the other.
    Shop.objects.select_for_update().filter(pk=shop.pk).order_by().first()
    return _create(
        shop,
        rules=rules,
        status=MatrixStatus.DRAFT,
        auto_apply_limit=auto_apply_limit,
        auto_apply_max_claims=auto_apply_max_claims,
        created_by=by,
        note=note,
    )


def active_matrix(shop: Shop) -> DecisionMatrix:
    """The shop's active matrix; a shop without one gets the default matrix of `defaults`."""
    # Ordered by id, not the model's (shop, -version): that ordering joins the shop table.
    matrix = DecisionMatrix.objects.filter(shop=shop, status=MatrixStatus.ACTIVE).order_by("pk").first()
    if matrix is not None:
        return matrix
    try:
        # Stored in the shop's language: its agents read the rules' reasons, its owner the note.
        with transaction.atomic(), translation.override(shop.default_language):
            return _create(
                shop,
                rules=defaults.default_rules(shop.currency),
                status=MatrixStatus.ACTIVE,
                auto_apply_limit=defaults.default_auto_apply_limit(shop.currency),
                activated_at=timezone.now(),
                note=_("The matrix every shop starts with: the usual answer to each kind of problem."),
            )
    except IntegrityError:
        # Two first claims of a new shop at once: the other one created it (one active
        # per shop and unique versions are database constraints).
        return DecisionMatrix.objects.get(shop=shop, status=MatrixStatus.ACTIVE)


# --- the compiled form, cached per process ----------------------------------

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


# --- the life cycle: draft → active → retired -------------------------------


def matrix_create_draft(
    *, shop: Shop, by=None, from_matrix: DecisionMatrix | None = None, note: str = ""
) -> DecisionMatrix:
    """A new draft version with the rules of `from_matrix` (default: the shop's active matrix)."""
    source = from_matrix or active_matrix(shop)
    if source.shop_id != shop.pk:
        raise ValidationError({"from_matrix": [_("Copy a matrix of the same shop.")]})
    if not note:
        with translation.override(shop.default_language):
            note = _("Copy of version %(version)s.") % {"version": source.version}
    with transaction.atomic():
        return new_draft(
            shop=shop,
            rules=[rule_as_dict(rule) for rule in source.rules.all()],
            auto_apply_limit=source.auto_apply_limit,
            auto_apply_max_claims=source.auto_apply_max_claims,
            by=by,
            note=note,
        )


def matrix_activate(*, matrix: DecisionMatrix, by=None) -> DecisionMatrix:
    """Make a draft the shop's active matrix; the one active until now is retired."""
    with transaction.atomic():
        matrices = list(
            DecisionMatrix.objects.select_for_update().filter(shop_id=matrix.shop_id).order_by("pk")
        )
        matrix = next(m for m in matrices if m.pk == matrix.pk)
        if matrix.status != MatrixStatus.DRAFT:
            raise Conflict(
                _("Version %(version)s is %(status)s; only a draft can be activated.")
                % {"version": matrix.version, "status": matrix.get_status_display().lower()},
                code="matrix_not_draft",
            )
        if matrix.currency != matrix.shop.currency:
            raise ValidationError(
                {
                    "currency": [
                        _("The matrix is in %(matrix_currency)s, the shop sells in %(shop_currency)s.")
                        % {"matrix_currency": matrix.currency, "shop_currency": matrix.shop.currency}
                    ]
                }
            )
        if not matrix.rules.exists():
            raise ValidationError({"rules": [_("A matrix without rules would escalate every case.")]})
        validate_matrix_rules(matrix)
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
