import pytest
from rest_framework.test import APIClient

from tests.factories import NAPKINS, make_order, track

from .helpers import TABLECLOTH


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Labels and photos are files: each test writes its own.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _agents_may_refund_returns(db):
    # Agents refund within a limit the owner sets; these tests are about returns, not limits
    # (test_refund_limits.py is), so the agents' limit covers every refund here.
    from decimal import Decimal

    from django.contrib.auth.models import Group

    from cases.models import RefundLimit
    from config.roles import AGENTS

    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("10000"))


@pytest.fixture
def delivered_order(shop, carrier):
    """2 sets of napkins (24.90 €) and a tablecloth (89.00 €), 144.70 € paid with shipping, delivered 3 days ago."""
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2), dict(TABLECLOTH, quantity=1)])
    track(order, "delivered", days_ago=3)
    return order


@pytest.fixture
def agent_api(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client
