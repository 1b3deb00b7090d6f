"""Agents' refund limits: whose limit applies, and to which shop."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from cases import approvals as services
from cases.models import Refund, RefundLimit
from config.roles import AGENTS
from orders.models import Role, Shop
from tests.factories import NAPKINS, make_claim, make_order


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
