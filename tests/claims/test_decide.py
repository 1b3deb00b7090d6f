"""Deciding a claim: the matrix's answer applies itself only once per order and problem, never on an
order that was resolved before, and never for a buyer who claims more often than the shop allows."""

from decimal import Decimal

import pytest

from cases.choices import ClaimType
from cases.models import CaseStatus, OpenedVia
from claims.models import Resolution
from claims.services import claim_resolve, decision_input
from decisions import services as decisions
from decisions.models import DecisionMatrix, MatrixStatus
from tests.concurrency import row_locks, run_at_once
from tests.factories import accept_return, make_claim, make_order, make_return, return_line, track

pytestmark = pytest.mark.django_db

# 28.90 of tea towels and 5.90 shipping: 34.80, small enough for the default matrix to settle alone.
TEA_TOWELS = {
    "sku": "GESCHIRR-3",
    "title": "Geschirrtücher, 3 Stück",
    "unit_price": "28.90",
    "unit_weight_g": 250,
}


@pytest.fixture
def small_order(shop, carrier):
    order = make_order(shop, lines=[dict(TEA_TOWELS, quantity=1)])
    track(order, "delivered", days_ago=2)
    return order


def report(order, type=ClaimType.WRONG_ITEM, **kwargs):
    return make_claim(order, type, opened_via=OpenedVia.PORTAL, decide=True, **kwargs)


def test_the_first_wrong_item_report_applies_itself(small_order):
    claim = report(small_order)

    record = claim.case.decisions.get()
    assert (record.action, record.auto_applied) == ("reship", True)
    claim.case.refresh_from_db()
    assert claim.case.status == CaseStatus.RESOLVED


def test_a_second_report_of_the_same_problem_on_the_order_waits_for_an_agent(small_order):
    report(small_order)

    again = report(small_order)

    record = again.case.decisions.get()
    assert (record.action, record.auto_applied) == ("reship", False)
    again.case.refresh_from_db()
    assert again.case.status == CaseStatus.NEW
    withheld = again.case.events.get(verb="auto_apply_withheld")
    assert withheld.data["reason_code"] == "auto_once_per_order"
    assert Resolution.objects.filter(case__order=small_order).count() == 1


def test_another_problem_on_an_order_resolved_before_waits_for_an_agent(small_order, owner):
    first = make_claim(small_order, ClaimType.DAMAGED)
    claim_resolve(case=first.case, action="partial_refund", amount=Decimal("5.00"), actor=owner, reason="x")

    damaged = report(small_order, ClaimType.DAMAGED)

    assert damaged.evidence["prior_resolutions"] == 1
    assert decision_input(damaged).prior_resolutions == 1
    assert not damaged.case.decisions.get().auto_applied
    assert (
        damaged.case.events.get(verb="auto_apply_withheld").data["reason_code"]
        == "auto_order_resolved_before"
    )


def test_a_refunded_return_counts_as_a_resolution_of_the_order(small_order):
    accept_return(make_return(small_order, return_line(small_order, sku=TEA_TOWELS["sku"])))

    damaged = report(small_order, ClaimType.DAMAGED)

    assert damaged.evidence["prior_resolutions"] == 1
    assert not damaged.case.decisions.get().auto_applied


def test_a_buyer_with_more_claims_than_the_shop_settles_automatically_waits_for_an_agent(shop, carrier):
    orders = [make_order(shop, lines=[dict(TEA_TOWELS, quantity=1)]) for _ in range(4)]
    for order in orders:
        track(order, "delivered", days_ago=2)
    claims = [report(order) for order in orders]

    assert [claim.case.decisions.get().auto_applied for claim in claims] == [True, True, True, False]
    withheld = claims[3].case.events.get(verb="auto_apply_withheld")
    assert withheld.data["reason_params"] == {"claims": "3", "allowed": "2"}


def test_the_shop_sets_how_many_claims_are_settled_automatically(shop, carrier):
    matrix = decisions.active_matrix(shop)
    DecisionMatrix.objects.filter(pk=matrix.pk).update(auto_apply_max_claims=0)
    orders = [make_order(shop, lines=[dict(TEA_TOWELS, quantity=1)]) for _ in range(2)]
    for order in orders:
        track(order, "delivered", days_ago=2)

    claims = [report(order) for order in orders]

    assert [claim.case.decisions.get().auto_applied for claim in claims] == [True, False]
    assert DecisionMatrix.objects.get(shop=shop, status=MatrixStatus.ACTIVE).auto_apply_max_claims == 0


def test_a_rule_can_ask_for_the_buyers_claims_and_the_orders_resolutions(shop, small_order, owner):
    decisions.matrix_import(
        shop=shop,
        data={
            "shop": shop.slug,
            "currency": "EUR",
            "auto_apply_limit": "50",
            "rules": [
                {"action": "escalate", "min_prior_resolutions": 1, "reason": "Settled once already"},
                {"action": "request_info", "min_claims_last_365_days": 1, "reason": "Claims often"},
                {"action": "reship", "reason": "Send it again"},
            ],
        },
        activate=True,
    )

    first = report(small_order)
    second = report(small_order, ClaimType.DAMAGED)
    claim_resolve(case=first.case, action="deny", actor=owner, reason="Nicht belegt")
    third = report(small_order, ClaimType.DELIVERED_NOT_RECEIVED)

    assert [c.case.decisions.get().action for c in (first, second)] == ["reship", "request_info"]
    assert third.case.decisions.get().action == "escalate"


@row_locks
def test_two_reports_at_once_get_one_automatic_decision(small_order):
    outcomes = run_at_once(lambda: report(small_order), lambda: report(small_order))

    assert all(not isinstance(outcome, Exception) for outcome in outcomes), outcomes
    applied = [outcome.case.decisions.get().auto_applied for outcome in outcomes]
    assert sorted(applied) == [False, True]
