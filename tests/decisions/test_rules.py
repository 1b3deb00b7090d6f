"""Rule checks (the admin's rule form and matrix files share them) and rules that can never match."""

from decimal import Decimal

import pytest

from decisions import services
from decisions.models import Rule
from tests.factories import rule


@pytest.mark.parametrize("days", [1_000_000_000_000, 3651, -1])
def test_a_needed_within_window_beyond_ten_years_is_refused(days):
    errors = services.rule_errors(rule(needed_within_days=days))

    assert "needed_within_days" in errors


def test_ten_years_is_still_a_window():
    assert services.rule_errors(rule(needed_within_days=3650)) == {}


def test_a_good_rule_has_no_errors_and_its_amounts_become_decimals():
    checked = rule(
        "damaged", "refund", "Small damage: refund.", min_value="10", max_value=50, refund_percent=100
    )

    assert services.rule_errors(checked) == {}
    assert (checked["min_value"], checked["max_value"]) == (Decimal("10"), Decimal("50"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (49.9, 'Give amounts as strings or whole numbers, e.g. "49.90".'),
        ("fifty", "'fifty' is not an amount."),
        ("-1", "Amounts are zero or more."),
        ("10.005", "At most 10 digits before and 2 after the decimal point."),
    ],
)
def test_a_wrong_amount_is_refused_with_what_is_wrong(value, message):
    assert services.rule_errors(rule(min_value=value)) == {"min_value": [message]}


def test_an_unknown_value_names_the_field_and_the_values_it_takes():
    errors = services.rule_errors(rule(buyer_risk="vip"))

    assert errors == {"buyer_risk": ["Unknown buyer risk 'vip'; one of: any, normal, flagged."]}


def test_store_credit_is_for_agents_only_and_no_rule_may_recommend_it():
    errors = services.rule_errors(rule(action="store_credit"))

    assert list(errors) == ["action"]
    assert "Unknown action 'store_credit'" in errors["action"][0]


def test_auto_apply_must_be_a_yes_or_no():
    assert services.rule_errors(rule(auto_apply="yes")) == {"auto_apply": ["auto_apply is true or false."]}


def test_a_later_rule_inside_an_earlier_ones_band_is_unreachable():
    rules = [
        rule("damaged", max_value="100"),
        rule("damaged", min_value="10", max_value="50"),
        rule("wrong_item"),
    ]

    assert services.unreachable_rules(rules) == [(1, 0)]


def test_a_narrower_earlier_rule_hides_nothing():
    rules = [rule("damaged", min_value="10", max_value="50"), rule("damaged", max_value="100")]

    assert services.unreachable_rules(rules) == []


def test_the_warning_names_both_rules_by_their_position(shop):
    matrix = services.active_matrix(shop)
    matrix.rules.all().delete()
    Rule.objects.create(matrix=matrix, position=3, claim_type="damaged", action="escalate", reason="owner")
    Rule.objects.create(matrix=matrix, position=8, claim_type="damaged", action="deny", reason="never")

    assert services.matrix_warnings(matrix) == [
        "Rule at position 8 can never match: the rule at position 3 above it covers every case it would."
    ]


@pytest.mark.parametrize("name", ["min_prior_resolutions", "min_claims_last_365_days"])
@pytest.mark.parametrize("value", [-1, 1001, "3", 2.5, True])
def test_a_history_count_is_a_whole_number_from_0_to_1000(name, value):
    assert services.rule_errors(rule(**{name: value})) == {
        name: ["Give a whole number from 0 to 1000, or leave it empty."]
    }


def test_a_rule_for_more_claims_is_hidden_by_one_for_fewer_above_it():
    rules = [
        rule("damaged", min_claims_last_365_days=2),
        rule("damaged", min_claims_last_365_days=5),
        rule("damaged", min_prior_resolutions=1),
    ]

    assert services.unreachable_rules(rules) == [(1, 0)]


def test_a_rule_for_repeat_claims_hides_no_rule_for_every_buyer():
    rules = [rule("damaged", min_claims_last_365_days=2), rule("damaged")]

    assert services.unreachable_rules(rules) == []
