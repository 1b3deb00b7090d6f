from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from cases.models import RefundLimit
from config.roles import AGENTS
from tests.factories import NAPKINS, TABLECLOTH, make_order, track


@pytest.fixture(autouse=True)
def _agents_may_refund_returns(db):
    # Agents refund within a limit the owner sets; these tests are about returns, not limits
    # (tests/cases/test_approvals.py is), so the agents' limit covers every refund here.
    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("10000"))


@pytest.fixture
def delivered_order(shop, carrier):
    """2 sets of napkins (24.90 €) and a tablecloth (89.00 €), 144.70 € paid with shipping, delivered 3 days ago."""
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2), dict(TABLECLOTH, quantity=1)])
    track(order, "delivered", days_ago=3)
    return order
