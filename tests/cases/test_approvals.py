"""Agents' refund limits: whose limit applies, and to which shop."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError

from cases import approvals as services
from cases.models import RefundLimit
from config.roles import AGENTS
from orders.models import Shop


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
