"""Evaluating a case, keeping the decision on it, and an agent overruling it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from decisions import services
from decisions.engine import DecisionInput
from tests.factories import decided_case

SMALL_PARCEL_GONE = DecisionInput("delivered_not_received", Decimal("60.00"))


def test_override_needs_a_reason_and_lands_on_the_timeline(shop, agent):
    record = decided_case(shop, SMALL_PARCEL_GONE)

    with pytest.raises(ValidationError, match="why"):
        services.override_decision(record=record, by=agent, action="refund", reason="  ")
    services.override_decision(record=record, by=agent, action="refund", reason="Buyer is a regular; refund.")

    record.refresh_from_db()
    assert (record.action, record.override_action, record.overridden_by) == ("reship", "refund", agent)
    event = record.case.events.get(verb="decision_overridden")
    assert (event.old, event.new, event.actor) == ("reship", "refund", agent)


def test_a_decision_is_stored_with_its_rule_and_inputs(shop):
    record = decided_case(shop, SMALL_PARCEL_GONE)

    assert record.rule.action == record.action == "reship"
    assert record.matrix_version == 1
    assert record.inputs == SMALL_PARCEL_GONE.to_json()
    assert record.shop == shop


def test_an_override_with_an_unknown_action_names_it(shop, agent):
    record = decided_case(shop, SMALL_PARCEL_GONE)

    with pytest.raises(ValidationError) as raised:
        services.override_decision(record=record, by=agent, action="refund_twice", reason="Regular buyer.")

    assert raised.value.message_dict == {"action": ["Unknown action 'refund_twice'."]}
    record.refresh_from_db()
    assert record.override_action == ""


def test_a_decision_its_rule_does_not_let_apply_itself_cannot_be_recorded_as_auto_applied(shop):
    case = decided_case(shop, SMALL_PARCEL_GONE).case
    decision = services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE)
    assert decision.auto_apply is False

    with pytest.raises(ValidationError, match="auto-apply"):
        services.record_decision(case=case, decision=decision, inputs=SMALL_PARCEL_GONE, auto_applied=True)
