"""export_matrix and import_matrix: the round trip, and a clear error for every kind of bad file."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from decisions import services
from decisions.models import DecisionMatrix, MatrixStatus
from orders.models import Shop
from tests.factories import rule


def export(shop) -> dict:
    out = StringIO()
    call_command("export_matrix", "--shop", shop.slug, stdout=out)
    return json.loads(out.getvalue())


def import_file(tmp_path, shop, data, *args):
    path = tmp_path / "matrix.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out = StringIO()
    call_command("import_matrix", str(path), "--shop", shop.slug, *args, stdout=out)
    return out.getvalue()


def good_file(**changes) -> dict:
    data = {
        "shop": "leinen",
        "currency": "EUR",
        "auto_apply_limit": "40.00",
        "rules": [rule("damaged", "refund", "Small damage: refund.", max_value="50", refund_percent=100)],
    }
    data.update(changes)
    return data


def import_error(shop, data) -> dict:
    with pytest.raises(ValidationError) as raised:
        services.matrix_import(shop=shop, data=data)
    assert not DecisionMatrix.objects.filter(shop=shop).exists(), "nothing is stored from a bad file"
    return raised.value.message_dict


def test_export_prints_the_active_matrix_as_json(shop):
    data = export(shop)

    assert (data["shop"], data["currency"], data["auto_apply_limit"]) == ("leinen", "EUR", "50.00")
    first = data["rules"][0]
    assert set(first) == {
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
    }
    assert any(r["max_value"] == "50.00" for r in data["rules"])


def test_an_exported_matrix_imports_back_as_an_equal_draft(shop, tmp_path):
    exported = export(shop)

    message = import_file(tmp_path, shop, exported)

    draft = DecisionMatrix.objects.get(shop=shop, version=2)
    assert draft.status == MatrixStatus.DRAFT
    assert "version 2" in message
    assert services.matrix_export(draft) | {"version": 1} == exported


def test_import_with_activate_makes_the_file_the_active_matrix(shop, tmp_path):
    services.active_matrix(shop)

    import_file(tmp_path, shop, good_file(), "--activate")

    active = DecisionMatrix.objects.get(shop=shop, status=MatrixStatus.ACTIVE)
    assert (active.version, active.auto_apply_limit, active.rules.count()) == (2, Decimal("40.00"), 1)


def test_a_file_that_is_not_json_is_refused(shop, tmp_path):
    with pytest.raises(CommandError, match="not valid JSON"):
        import_file(tmp_path, shop, '{"rules": [')


def test_a_missing_file_is_refused(shop, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_matrix", str(tmp_path / "nope.json"), "--shop", shop.slug)


def test_an_unknown_shop_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="No shop"):
        call_command("import_matrix", str(tmp_path / "x.json"), "--shop", "nope")


def test_an_unknown_action_names_the_rule_and_the_field(shop, tmp_path):
    data = good_file(rules=[rule(action="refund_twice")])

    with pytest.raises(CommandError) as raised:
        import_file(tmp_path, shop, data)

    assert "rules[0].action: Unknown action 'refund_twice'" in str(raised.value)


def test_an_empty_value_band_is_refused(shop):
    errors = import_error(shop, good_file(rules=[rule(), rule(min_value="250", max_value="50")]))

    assert "rules[1].max_value" in errors
    assert "empty" in errors["rules[1].max_value"][0]


def test_equal_bounds_are_an_empty_band_too(shop):
    assert "rules[0].max_value" in import_error(shop, good_file(rules=[rule(min_value="50", max_value="50")]))


def test_a_file_in_another_currency_is_refused(shop):
    errors = import_error(shop, good_file(currency="SEK"))

    assert errors["currency"] == ["The file is in 'SEK', shop 'leinen' sells in 'EUR'."]


def test_a_refund_percent_over_100_is_refused(shop):
    assert "rules[0].refund_percent" in import_error(
        shop, good_file(rules=[rule(action="refund", refund_percent=150)])
    )


def test_a_partial_refund_without_its_percentage_is_refused(shop):
    errors = import_error(shop, good_file(rules=[rule(action="partial_refund")]))

    assert errors["rules[0].refund_percent"] == ["A partial refund needs its percentage."]


def test_unknown_claim_type_evidence_and_risk_are_refused(shop):
    errors = import_error(shop, good_file(rules=[rule("lost", evidence="photo", buyer_risk="vip")]))

    assert {"rules[0].claim_type", "rules[0].evidence", "rules[0].buyer_risk"} <= set(errors)


def test_an_amount_that_is_not_a_number_is_refused(shop):
    assert "rules[0].min_value" in import_error(shop, good_file(rules=[rule(min_value="fifty")]))


def test_a_rule_without_a_reason_is_refused(shop):
    assert "rules[0].reason" in import_error(shop, good_file(rules=[rule(reason="")]))


def test_a_misspelt_key_is_refused_rather_than_ignored(shop):
    errors = import_error(shop, good_file(rules=[rule(max_valeu="50")]))

    assert errors["rules[0]"] == ["Unknown keys: max_valeu."]


def test_a_file_without_rules_is_refused(shop):
    assert "rules" in import_error(shop, good_file(rules=[]))


def test_a_file_without_an_auto_apply_limit_is_refused(shop):
    data = good_file()
    del data["auto_apply_limit"]

    assert "auto_apply_limit" in import_error(shop, data)


def test_a_json_list_instead_of_an_object_is_refused(shop):
    assert "file" in import_error(shop, [good_file()])


def test_every_problem_of_a_file_is_reported_at_once(shop, tmp_path):
    data = good_file(currency="USD", rules=[rule(action="nope"), rule(min_value="9", max_value="1")])

    with pytest.raises(CommandError) as raised:
        import_file(tmp_path, shop, data)

    text = str(raised.value)
    assert "currency" in text and "rules[0].action" in text and "rules[1].max_value" in text


def test_a_file_of_another_shop_is_refused(shop, tmp_path):
    other = Shop.objects.create(slug="wolle", name="Wolle", currency="EUR")

    with pytest.raises(CommandError, match="shop: .*'leinen'.*--force"):
        import_file(tmp_path, other, good_file())
    assert not DecisionMatrix.objects.filter(shop=other).exists()


def test_force_imports_a_file_of_another_shop(shop, tmp_path):
    other = Shop.objects.create(slug="wolle", name="Wolle", currency="EUR")

    import_file(tmp_path, other, good_file(), "--force")

    assert DecisionMatrix.objects.filter(shop=other).count() == 1


def test_the_claims_a_buyer_may_have_for_automatic_decisions_travel_with_the_file(shop, tmp_path):
    data = good_file(auto_apply_max_claims=5, rules=[rule("damaged", "escalate", min_claims_last_365_days=3)])

    import_file(tmp_path, shop, data, "--activate")

    exported = export(shop)
    assert exported["auto_apply_max_claims"] == 5
    assert exported["rules"][0]["min_claims_last_365_days"] == 3


def test_a_file_from_before_the_claims_setting_gets_the_default(shop):
    matrix = services.matrix_import(shop=shop, data=good_file())

    assert matrix.auto_apply_max_claims == 2


@pytest.mark.parametrize("value", [-1, "2", 1001, None])
def test_a_wrong_claims_setting_is_refused(shop, value):
    assert import_error(shop, good_file(auto_apply_max_claims=value)) == {
        "auto_apply_max_claims": ["auto_apply_max_claims is a whole number from 0 to 1000."]
    }
