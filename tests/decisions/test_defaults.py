"""The matrix every shop starts with answers the classic dilemmas of a small shop the way its owners did."""

from decimal import Decimal

import pytest

from cases.choices import ClaimType
from decisions import services
from decisions.defaults import DEFAULT_RULES_EUR, default_rules
from decisions.engine import DecisionInput
from decisions.models import DecisionMatrix, MatrixStatus
from orders.models import Shop

# Rule reasons are stored in the shop's language; these tests read the English ones.
pytestmark = pytest.mark.usefixtures("english_shop")


def evaluate(shop, claim_type, value, **facts):
    return services.evaluate(shop=shop, inputs=DecisionInput(claim_type, Decimal(value), **facts))


def test_a_shop_without_a_matrix_gets_the_default_one_active(shop):
    matrix = services.active_matrix(shop)

    assert (matrix.version, matrix.status, matrix.currency) == (1, MatrixStatus.ACTIVE, "EUR")
    assert matrix.rules.count() == len(DEFAULT_RULES_EUR)
    assert services.active_matrix(shop) == matrix
    assert DecisionMatrix.objects.filter(shop=shop).count() == 1


def test_napkins_short_but_full_weight_are_reshipped_as_goodwill_by_an_agent(shop):
    # Four dozen napkins ordered, three "received", but the parcel weighed what four dozen weigh.
    decision = evaluate(shop, "missing_items", "99.60", weight_consistent=True, delivery_confirmed=True)

    assert decision.action == "reship"
    assert decision.auto_apply is False
    assert "goodwill" in decision.reason


def test_missing_items_with_too_light_a_parcel_are_reshipped_automatically(shop):
    decision = evaluate(shop, "missing_items", "99.60", weight_consistent=False)

    assert (decision.action, decision.auto_apply) == ("reship", True)


def test_wedding_parcel_lost_a_week_before_the_date_is_reshipped_with_a_return_label(shop):
    # Handkerchiefs for a wedding in six days, and the parcel is lost.
    decision = evaluate(shop, "lost_in_transit", "37.50", days_until_needed=6)

    assert decision.action == "reship_with_return_label"
    assert decision.auto_apply is True


def test_lost_parcel_without_a_date_goes_to_a_carrier_claim(shop):
    assert evaluate(shop, "lost_in_transit", "37.50").action == "carrier_claim"


@pytest.mark.parametrize("value", ["12.00", "49.99"])
def test_small_order_delivered_but_not_received_is_reshipped_automatically(shop, value):
    # Under 50, even with a delivery confirmation, trust the buyer.
    decision = evaluate(shop, "delivered_not_received", value, delivery_confirmed=True)

    assert decision.action in ("reship", "refund")
    assert decision.auto_apply is True


def test_large_order_signed_for_is_declined_with_the_reason(shop):
    decision = evaluate(shop, "delivered_not_received", "320.00", delivery_confirmed=True, signature=True)

    assert decision.action == "deny"
    assert "signed" in decision.reason.lower()


def test_large_order_with_a_delivery_scan_asks_the_buyer_to_look_around_first(shop):
    decision = evaluate(shop, "delivered_not_received", "320.00", delivery_confirmed=True)

    assert decision.action == "request_info"
    assert "neighbours" in decision.reason


def test_rush_order_paid_by_uncleared_cheque_is_cancelled(shop):
    # A rush order paid by a personal cheque that needs five days to clear.
    decision = evaluate(shop, "payment_review", "480.00", days_until_needed=1)

    assert decision.action == "cancel_order"
    assert "cheque" in decision.reason


def test_personalisation_as_entered_by_the_buyer_is_remade_at_the_owners_discretion(shop):
    # The monogram as the buyer typed it: small orders are remade; the reason says whose entry it was.
    small = evaluate(shop, "personalisation_error", "60.00")
    large = evaluate(shop, "personalisation_error", "340.00")

    assert small.action == "remake"
    assert "buyer's own entry" in small.reason and "goodwill" in small.reason
    assert small.auto_apply is False
    assert large.action == "escalate"


def test_chargebacks_go_to_the_owner(shop):
    assert evaluate(shop, "chargeback", "20.00").action == "escalate"


def test_a_flagged_buyer_is_asked_for_evidence_before_anything_else(shop):
    small = evaluate(shop, "delivered_not_received", "20.00", buyer_risk="flagged")
    large = evaluate(shop, "missing_items", "300.00", buyer_risk="flagged", weight_consistent=False)

    assert small.action == "request_info"
    assert large.action == "escalate"


def test_every_claim_type_has_a_rule_in_the_default_matrix(shop):
    matrix = services.active_matrix(shop)

    for claim_type in ClaimType.values:
        for value in ("1", "60", "200", "5000"):
            assert evaluate(shop, claim_type, value).matched, (claim_type, value)
    assert matrix.rules.exclude(reason="").count() == matrix.rules.count()


def test_no_default_rule_is_hidden_by_an_earlier_one():
    assert services.unreachable_rules(default_rules("EUR")) == []


def test_a_swedish_shop_gets_its_bands_in_kronor(db):
    shop = Shop.objects.create(slug="linne", name="Linne & Kärlek", currency="SEK")

    matrix = services.active_matrix(shop)

    assert matrix.currency == "SEK"
    assert matrix.auto_apply_limit == Decimal("500.00")
    assert evaluate(shop, "delivered_not_received", "499.00").action == "reship"
    assert evaluate(shop, "delivered_not_received", "2600.00", signature=True).action == "deny"


def test_a_german_shop_reads_the_default_reasons_in_german(db):
    german = Shop.objects.create(slug="wolle", name="Wollwerk", currency="EUR", default_language="de")
    decision = services.evaluate(
        shop=german,
        inputs=DecisionInput("delivered_not_received", Decimal("30"), "normal", True, False, None, None),
    )
    assert "Käufer vertrauen" in decision.reason
