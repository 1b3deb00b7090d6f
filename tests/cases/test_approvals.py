"""Agents' refund limits: whose limit applies, to which shop, and that it holds for the whole order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from rest_framework.test import APIClient

from cases import approvals as services
from cases.models import Refund, RefundLimit
from claims.services import claim_resolve
from config.roles import AGENTS
from orders.models import Role, Shop
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, make_claim, make_order, track


@pytest.fixture
def seniors(db):
    return Group.objects.create(name="Senior agents")


def test_an_agent_without_any_limit_may_refund_nothing_alone(shop, agent):
    assert services.refund_limit_for(user=agent, shop=shop) == Decimal("0")


def test_owners_and_superusers_have_no_limit(shop, owner):
    boss = User.objects.create_superuser("boss", password="x")

    assert services.refund_limit_for(user=owner, shop=shop) is None
    assert services.refund_limit_for(user=boss, shop=shop) is None


def test_the_highest_group_limit_applies(shop, agent, seniors):
    agent.groups.add(seniors)
    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("50"))
    RefundLimit.objects.create(group=seniors, amount=Decimal("200"))

    assert services.refund_limit_for(user=agent, shop=shop) == Decimal("200")


def test_the_agents_own_limit_wins_over_their_groups(shop, agent, seniors):
    agent.groups.add(seniors)
    RefundLimit.objects.create(group=seniors, amount=Decimal("200"))
    RefundLimit.objects.create(user=agent, amount=Decimal("30"))

    assert services.refund_limit_for(user=agent, shop=shop) == Decimal("30")


def test_a_limit_for_the_shop_wins_over_one_for_all_shops(shop, agent):
    other = Shop.objects.create(slug="other", name="Other")
    RefundLimit.objects.create(user=agent, amount=Decimal("30"))
    RefundLimit.objects.create(user=agent, shop=shop, amount=Decimal("80"))

    assert services.refund_limit_for(user=agent, shop=shop) == Decimal("80")
    assert services.refund_limit_for(user=agent, shop=other) == Decimal("30")


def test_a_limit_belongs_to_an_agent_or_a_group_not_both(agent, seniors):
    with pytest.raises(ValidationError, match="either to an agent or to a group"):
        RefundLimit(user=agent, group=seniors, amount=Decimal("10")).full_clean()


def test_owning_one_shop_gives_no_say_over_another_shops_money(
    shop, swedish_shop, carrier, swedish_owner, grant
):
    # Linnestugan's owner also answers Leinen & Liebe's cases, as an agent.
    grant(swedish_owner, shop, Role.AGENT)
    case = make_claim(make_order(shop, lines=[dict(NAPKINS, quantity=4)])).case
    client = APIClient()
    client.force_authenticate(swedish_owner)

    response = client.post(
        f"/api/v1/cases/{case.reference}/resolve/", {"action": "refund", "amount": "99.60"}, format="json"
    )

    assert response.json()["escalated_for_limit"] is True
    assert not Refund.objects.filter(case=case).exists()
    assert services.refund_limit_for(user=swedish_owner, shop=swedish_shop) is None


# --- the limit holds for the whole order --------------------------------------------------

VASE = {"sku": "VASE-LEIN", "title": "Vase mit Leinenbezug", "unit_price": "188.25", "unit_weight_g": 1200}
LAMP = {
    "sku": "LAMPE-LEIN",
    "title": "Tischlampe mit Leinenschirm",
    "unit_price": "158.50",
    "unit_weight_g": 900,
}


def open_damage_claim(agent_api, order, sku):
    opened = agent_api.post(
        "/api/v1/claims/",
        {
            "order": {"shop": order.shop.slug, "number": order.number},
            "type": "damaged",
            "lines": [{"sku": sku, "quantity": 1}],
            "statement": "Zerbrochen angekommen.",
        },
        format="json",
    )
    assert opened.status_code == 201, opened.json()
    return opened.json()["reference"]


def test_four_claims_on_one_order_pay_no_more_than_the_agents_limit_without_an_owner(
    shop, carrier, agent, agent_api, settings
):
    # The story: four vases at 188.25 (753.00), one claim each, an agent who may refund 250.
    # Four identical claims within minutes would be taken for retries of the first: here they are
    # four broken vases, reported as four claims over the days.
    settings.POSTSALE_DUPLICATE_CLAIM_MINUTES = 0
    RefundLimit.objects.create(user=agent, amount=Decimal("250"))
    order = make_order(shop, lines=[dict(VASE, quantity=4)], shipping_total="0.00")
    track(order, "delivered", days_ago=2)

    answers = []
    for _ in range(4):
        reference = open_damage_claim(agent_api, order, VASE["sku"])
        answers.append(
            agent_api.post(
                f"/api/v1/cases/{reference}/resolve/",
                {"action": "refund", "amount": "188.25", "reason": "Bruch beim Transport"},
                format="json",
            )
        )

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200]
    assert [answer.json()["escalated_for_limit"] for answer in answers] == [False, True, True, True]
    assert [answer.json()["status"] for answer in answers] == [
        "resolved",
        "escalated",
        "escalated",
        "escalated",
    ]
    assert sum(refund.amount for refund in Refund.objects.filter(order=order)) == Decimal("188.25")


def test_one_return_per_unit_adds_up_against_the_agents_limit(shop, carrier, agent, agent_api):
    # Four lamps at 158.50 (634.00), sent back one by one: the second refund would make 317.00.
    RefundLimit.objects.create(user=agent, amount=Decimal("250"))
    order = make_order(shop, lines=[dict(LAMP, quantity=4)], shipping_total="0.00")
    track(order, "delivered", days_ago=2)

    answers = []
    for _ in range(4):
        rma = agent_api.post(
            "/api/v1/returns/",
            {
                "order": {"shop": shop.slug, "number": order.number},
                "lines": [{"sku": LAMP["sku"], "quantity": 1, "reason": "changed_mind"}],
                "method": "drop_off",
                "resolution": "refund",
            },
            format="json",
        ).json()["rma"]
        agent_api.post(
            f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": LAMP["sku"], "quantity": 1}]}, format="json"
        )
        answers.append(
            agent_api.post(
                f"/api/v1/returns/{rma}/inspect/",
                {"lines": [{"sku": LAMP["sku"], "accepted_quantity": 1, "condition": "as_new"}]},
                format="json",
            )
        )

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200]
    assert [answer.json()["status"] for answer in answers] == [
        "refunded",
        "inspected",
        "inspected",
        "inspected",
    ]
    assert [answer.json()["return"]["awaits_refund_approval"] for answer in answers] == [
        False,
        True,
        True,
        True,
    ]
    assert sum(refund.amount for refund in Refund.objects.filter(order=order)) == Decimal("158.50")


def test_what_an_owner_refunded_on_the_order_counts_against_an_agents_next_refund(
    shop, carrier, agent, owner
):
    RefundLimit.objects.create(user=agent, amount=Decimal("250"))
    order = make_order(shop, lines=[dict(VASE, quantity=4)], shipping_total="0.00")
    first, second = make_claim(order).case, make_claim(order).case
    claim_resolve(case=first, action="partial_refund", amount=Decimal("200.00"), actor=owner, reason="x")

    result = claim_resolve(
        case=second, action="partial_refund", amount=Decimal("60.00"), actor=agent, reason="x"
    )

    assert result.escalated_for_limit
    assert not Refund.objects.filter(case=second).exists()


def test_store_credit_counts_against_the_limit_like_money(shop, carrier, agent):
    RefundLimit.objects.create(user=agent, amount=Decimal("250"))
    order = make_order(shop, lines=[dict(VASE, quantity=4)], shipping_total="0.00")
    first, second = make_claim(order).case, make_claim(order).case
    claim_resolve(case=first, action="store_credit", amount=Decimal("200.00"), actor=agent, reason="x")

    result = claim_resolve(
        case=second, action="partial_refund", amount=Decimal("60.00"), actor=agent, reason="x"
    )

    assert result.escalated_for_limit


@row_locks
def test_two_agents_refunding_two_claims_of_one_order_at_once_are_counted_together(shop, carrier):
    order = make_order(shop, lines=[dict(VASE, quantity=4)], shipping_total="0.00")
    agents = [User.objects.create_user(f"agent{n}") for n in (1, 2)]
    for user in agents:
        user.groups.add(Group.objects.get(name=AGENTS))
    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("250"))
    cases = [make_claim(order).case for _ in agents]

    outcomes = run_at_once(
        *[
            (
                lambda case=case, user=user: claim_resolve(
                    case=case, action="refund", amount=Decimal("188.25"), actor=user, reason="x"
                )
            )
            for case, user in zip(cases, agents, strict=True)
        ]
    )

    assert sorted(outcome.escalated_for_limit for outcome in outcomes) == [False, True], outcomes
    assert sum(refund.amount for refund in Refund.objects.filter(order=order)) == Decimal("188.25")


# --- the daily total ------------------------------------------------------------------------


def test_an_agents_daily_total_holds_over_many_orders(shop, carrier, agent):
    RefundLimit.objects.create(user=agent, amount=Decimal("100"), daily_amount=Decimal("150"))
    cases = [make_claim(make_order(shop, lines=[dict(VASE, quantity=1)])).case for _ in range(3)]

    results = [
        claim_resolve(case=case, action="partial_refund", amount=Decimal("60.00"), actor=agent, reason="x")
        for case in cases
    ]

    assert [result.escalated_for_limit for result in results] == [False, False, True]
    last = cases[2].events.get(verb="refund_needs_approval")
    assert last.data["limit"] == "150.00"


def test_what_other_agents_gave_and_yesterdays_refunds_leave_the_daily_total_alone(shop, carrier, agent):
    RefundLimit.objects.create(user=agent, amount=Decimal("100"), daily_amount=Decimal("100"))
    colleague = User.objects.create_superuser("chef", password="x")
    yesterday, colleagues, todays = (
        make_claim(make_order(shop, lines=[dict(VASE, quantity=1)])).case for _ in range(3)
    )
    claim_resolve(case=yesterday, action="partial_refund", amount=Decimal("90.00"), actor=agent, reason="x")
    Refund.objects.filter(case=yesterday).update(created_at=timezone.now() - timedelta(days=1))
    claim_resolve(
        case=colleagues, action="partial_refund", amount=Decimal("90.00"), actor=colleague, reason="x"
    )

    result = claim_resolve(
        case=todays, action="partial_refund", amount=Decimal("90.00"), actor=agent, reason="x"
    )

    assert not result.escalated_for_limit


def test_the_daily_total_comes_from_the_same_row_as_the_limit(shop, agent, seniors):
    agent.groups.add(seniors)
    RefundLimit.objects.create(
        group=Group.objects.get(name=AGENTS), amount=Decimal("50"), daily_amount=Decimal("100")
    )
    RefundLimit.objects.create(group=seniors, amount=Decimal("200"), daily_amount=Decimal("400"))
    other = Shop.objects.create(slug="other", name="Other")
    RefundLimit.objects.create(user=User.objects.create_user("solo"), amount=Decimal("10"))

    assert services.daily_limit_for(user=agent, shop=shop) == Decimal("400")
    RefundLimit.objects.create(user=agent, shop=other, amount=Decimal("30"), daily_amount=Decimal("60"))
    assert services.daily_limit_for(user=agent, shop=other) == Decimal("60")
    assert services.daily_limit_for(user=User.objects.get(username="solo"), shop=shop) is None


# --- what the desk shows -----------------------------------------------------------------


def test_the_case_page_tells_the_agent_what_the_order_gave_back_already(client, shop, carrier, agent, owner):
    RefundLimit.objects.create(user=agent, amount=Decimal("250"), daily_amount=Decimal("500"))
    order = make_order(shop, lines=[dict(VASE, quantity=4)], shipping_total="0.00")
    first, second = make_claim(order).case, make_claim(order).case
    claim_resolve(case=first, action="partial_refund", amount=Decimal("200.00"), actor=owner, reason="x")
    client.force_login(agent)

    with translation.override("en"):
        page = client.get(f"/desk/cases/{second.reference}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (
        "Your refund limit: 250.00 EUR for everything given back on this order, 200.00 EUR of it given already."
        in page
    )
    assert "At most 500.00 EUR a day; 0.00 EUR given today." in page
