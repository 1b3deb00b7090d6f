"""Replaying past cases under a draft before activating it."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from decisions import services
from decisions.engine import DecisionInput
from decisions.models import DecisionRecord
from orders.models import Shop
from tests.factories import decided_case

GONE_SMALL = DecisionInput("delivered_not_received", Decimal("40.00"), delivery_confirmed=True)
GONE_MID = DecisionInput("delivered_not_received", Decimal("120.00"))
DAMAGED = DecisionInput("damaged", Decimal("30.00"))


def test_simulation_lists_the_cases_whose_action_changes_with_the_cost_difference(shop, owner):
    small = decided_case(shop, GONE_SMALL)  # reship
    decided_case(shop, GONE_MID)  # reship (no delivery scan), unchanged below
    decided_case(shop, DAMAGED)  # refund 30.00, unchanged
    draft = services.matrix_create_draft(shop=shop, by=owner)
    # The owner stops reshipping small "delivered" parcels and asks the buyer to look around first.
    draft.rules.filter(claim_type="delivered_not_received", max_value=Decimal("50")).update(
        action="request_info", auto_apply=False
    )

    result = services.simulate(draft=draft, days=90)

    assert result.cases == 3
    [changed] = result.changed
    assert (changed.reference, changed.old_action, changed.new_action) == (
        small.case.reference,
        "reship",
        "request_info",
    )
    shipping = Decimal("6.90")
    assert changed.cost_difference == -(Decimal("40.00") + shipping)
    assert result.cost_difference == changed.cost_difference
    assert result.cost_before == Decimal("40.00") + Decimal("120.00") + 2 * shipping + Decimal("30.00")


def test_simulation_uses_each_cases_latest_decision_only(shop, owner):
    record = decided_case(shop, GONE_SMALL)
    later = DecisionInput("damaged", Decimal("30.00"))
    decision = services.evaluate(shop=shop, inputs=later)
    services.record_decision(case=record.case, decision=decision, inputs=later, auto_applied=False)
    draft = services.matrix_create_draft(shop=shop, by=owner)
    draft.rules.filter(claim_type="delivered_not_received").delete()

    result = services.simulate(draft=draft, days=90)

    assert (result.cases, result.changed) == (1, [])


def test_simulation_leaves_out_old_cases_and_other_shops(shop, owner):
    old = decided_case(shop, GONE_SMALL)
    DecisionRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    other = Shop.objects.create(slug="other", name="Other", currency="EUR")
    decided_case(other, GONE_SMALL)
    draft = services.matrix_create_draft(shop=shop, by=owner)
    draft.rules.all().delete()

    result = services.simulate(draft=draft, days=90)

    assert result.cases == 0


def test_simulation_costs_a_partial_refund_by_its_percentage():
    assert services.estimated_cost("partial_refund", Decimal("80.00"), 25, Decimal("5")) == Decimal("20.00")
    assert services.estimated_cost("refund", Decimal("80.00"), None, Decimal("5")) == Decimal("80.00")
    assert services.estimated_cost(
        "reship_with_return_label", Decimal("80.00"), None, Decimal("5")
    ) == Decimal("85.00")
    assert services.estimated_cost("deny", Decimal("80.00"), None, Decimal("5")) == Decimal("0")


def test_simulation_replays_the_orders_history_too(shop, owner):
    repeat = decided_case(shop, DecisionInput("damaged", Decimal("30.00"), prior_resolutions=1))
    decided_case(shop, DAMAGED)
    draft = services.matrix_create_draft(shop=shop, by=owner)
    draft.rules.create(
        position=0, claim_type="any", min_prior_resolutions=1, action="escalate", reason="Settled before"
    )

    result = services.simulate(draft=draft, days=90)

    [changed] = result.changed
    assert (changed.reference, changed.old_action, changed.new_action) == (
        repeat.case.reference,
        "refund",
        "escalate",
    )
