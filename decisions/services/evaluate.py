"""Ask the shop's matrix about a case, keep its answer on the case, and let an agent overrule it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event, user_or_none
from cases.models import Case
from cases.verbs import Verb
from orders.models import Shop

from ..engine import Decision, DecisionInput
from ..models import OVERRIDE_ACTION_VALUES, DecisionRecord
from .matrix import compiled_for_shop


def evaluate(*, shop: Shop, inputs: DecisionInput) -> Decision:
    return compiled_for_shop(shop).evaluate(inputs)


def record_decision(
    *, case: Case, decision: Decision, inputs: DecisionInput, auto_applied: bool
) -> DecisionRecord:
    """Keep what the matrix said about a case, with the inputs it said it from."""
    if auto_applied and not decision.auto_apply:
        raise ValidationError(
            _("A decision whose rule does not allow auto-apply cannot have been auto-applied.")
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
        errors["action"] = [_("Unknown action %(action)s.") % {"action": repr(action)}]
    if not reason:
        errors["reason"] = [_("Say why the recommendation is overridden.")]
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
