"""The engine alone: rules as dicts, no database."""

import time
from decimal import Decimal

import pytest

from decisions.defaults import default_rules
from decisions.engine import DecisionInput, compile_matrix
from tests.factories import rule


class Matrix:
    id = 7
    version = 3


def decide(rules, **facts):
    facts.setdefault("claim_type", "damaged")
    facts.setdefault("order_value", Decimal("40"))
    return compile_matrix(Matrix, rules).evaluate(DecisionInput(**facts))


def test_first_matching_rule_wins():
    rules = [
        rule("damaged", "refund", "first", refund_percent=100),
        rule("damaged", "reship", "second"),
        rule("any", "escalate", "third"),
    ]

    decision = decide(rules)

    assert (decision.action, decision.reason, decision.rule_position) == ("refund", "first", 0)
    assert (decision.matrix_id, decision.matrix_version, decision.refund_percent) == (7, 3, 100)


def test_positions_not_list_order_decide_which_rule_is_first():
    rules = [rule("damaged", "reship", "later", position=2), rule("damaged", "refund", "earlier", position=1)]

    assert decide(rules).action == "refund"


def test_an_any_type_rule_keeps_its_place_between_typed_rules():
    rules = [rule("wrong_item", "reship"), rule("any", "request_info"), rule("damaged", "refund")]

    assert decide(rules, claim_type="damaged").action == "request_info"


@pytest.mark.parametrize(
    ("value", "action"),
    [("0", "low"), ("49.99", "low"), ("50", "mid"), ("249.99", "mid"), ("250", "high"), ("100000", "high")],
)
def test_value_bands_include_their_lower_and_exclude_their_upper_bound(value, action):
    rules = [
        rule(action="low", max_value=Decimal("50")),
        rule(action="mid", min_value=Decimal("50"), max_value=Decimal("250")),
        rule(action="high", min_value="250"),
    ]

    assert decide(rules, order_value=Decimal(value)).action == action


def test_no_matching_rule_escalates_and_says_so():
    decision = decide([rule("wrong_item", "reship")], claim_type="damaged")

    assert decision.action == "escalate"
    assert "No rule" in decision.reason
    assert decision.rule_position is None and decision.matched is False
    assert decision.matrix_version == 3


@pytest.mark.parametrize(
    ("evidence", "facts", "matches"),
    [
        ("delivery_confirmed", {"delivery_confirmed": True}, True),
        ("delivery_confirmed", {}, False),
        ("signature", {"signature": True}, True),
        ("signature", {"delivery_confirmed": True}, False),
        ("weight_consistent", {"weight_consistent": True}, True),
        ("weight_consistent", {"weight_consistent": None}, False),
        ("weight_inconsistent", {"weight_consistent": False}, True),
        ("weight_inconsistent", {"weight_consistent": None}, False),
        ("weight_inconsistent", {"weight_consistent": True}, False),
        ("any", {}, True),
    ],
)
def test_each_evidence_kind_matches_only_cases_that_have_it(evidence, facts, matches):
    decision = decide([rule(action="deny", evidence=evidence)], **facts)

    assert (decision.action == "deny") is matches


@pytest.mark.parametrize(("days", "matches"), [(0, True), (7, True), (8, False), (None, False), (-1, False)])
def test_needed_within_days_matches_a_date_at_most_n_days_ahead(days, matches):
    decision = decide([rule(action="reship_with_return_label", needed_within_days=7)], days_until_needed=days)

    assert (decision.action == "reship_with_return_label") is matches


def test_flagged_rules_apply_to_flagged_buyers_only():
    rules = [rule(action="request_info", buyer_risk="flagged"), rule(action="refund", buyer_risk="normal")]

    assert decide(rules, buyer_risk="flagged").action == "request_info"
    assert decide(rules, buyer_risk="normal").action == "refund"


def test_inputs_survive_their_json_form():
    inputs = DecisionInput("missing_items", Decimal("89.60"), "flagged", True, False, True, 6)

    assert DecisionInput.from_json(inputs.to_json()) == inputs


def test_an_evaluation_takes_well_under_a_millisecond():
    compiled = compile_matrix(Matrix, default_rules("EUR"))
    inputs = DecisionInput("late_for_needed_by", Decimal("300"), "normal", True, True, None, 30)
    runs = 20_000

    started = time.perf_counter()
    for _ in range(runs):
        compiled.evaluate(inputs)
    per_evaluation = (time.perf_counter() - started) / runs

    assert per_evaluation < 0.001


def test_a_rule_for_orders_resolved_before_matches_from_that_many_resolutions():
    rules = [rule("any", "escalate", "settled before", min_prior_resolutions=1), rule("any", "refund")]

    assert decide(rules).action == "refund"
    assert decide(rules, prior_resolutions=1).action == "escalate"
    assert decide(rules, prior_resolutions=3).action == "escalate"


def test_a_rule_for_buyers_who_claim_often_matches_from_that_many_claims():
    rules = [rule("any", "request_info", "claims often", min_claims_last_365_days=3), rule("any", "refund")]

    assert decide(rules, claims_last_365_days=2).action == "refund"
    assert decide(rules, claims_last_365_days=3).action == "request_info"


def test_the_default_matrix_decides_the_same_whatever_the_history():
    rules = default_rules("EUR")
    plain = DecisionInput("damaged", Decimal("30"))
    repeated = DecisionInput("damaged", Decimal("30"), prior_resolutions=4, claims_last_365_days=9)

    first, again = (compile_matrix(Matrix, rules).evaluate(facts) for facts in (plain, repeated))

    assert (first.action, first.rule_position) == (again.action, again.rule_position)


def test_a_decision_record_from_before_the_history_inputs_reads_as_a_first_claim():
    stored = {"claim_type": "damaged", "order_value": "30.00"}

    facts = DecisionInput.from_json(stored)

    assert (facts.prior_resolutions, facts.claims_last_365_days) == (0, 0)


def test_the_history_inputs_are_stored_with_the_decision():
    facts = DecisionInput("damaged", Decimal("30"), prior_resolutions=2, claims_last_365_days=4)

    assert DecisionInput.from_json(facts.to_json()) == facts
