"""A return's refund above the inspecting agent's limit waits for an owner; it is made once."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cases.models import CaseStatus, Refund, RefundLimit
from messaging.models import OutboundMessage
from returns.models import ReturnRequest
from tests.factories import NAPKINS

from .test_return_api import open_return

pytestmark = pytest.mark.django_db


def return_napkins(agent_api, order) -> dict:
    """2 sets of napkins (49.80 €) returned, received and accepted as new; the inspection's answer."""
    rma = open_return(agent_api, order).json()["rma"]
    agent_api.post(
        f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": NAPKINS["sku"], "quantity": 2}]}, format="json"
    )
    response = agent_api.post(
        f"/api/v1/returns/{rma}/inspect/",
        {"lines": [{"sku": NAPKINS["sku"], "accepted_quantity": 2, "condition": "as_new"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def inspected(agent, agent_api, delivered_order):
    """Inspected by an agent whose own limit is 20 €."""
    RefundLimit.objects.create(user=agent, amount=Decimal("20"))
    return return_napkins(agent_api, delivered_order)


@pytest.fixture
def owner_api(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def owner_with_email(owner):
    owner.email = "inhaberin@leinen.example"
    owner.save()
    return owner


def test_the_refund_waits_and_the_owners_are_told(owner_with_email, inspected):
    body = inspected["return"]
    request = ReturnRequest.objects.get(rma=inspected["rma"])

    assert (inspected["status"], inspected["refund"]) == ("inspected", None)
    assert body["awaits_refund_approval"] is True
    assert Decimal(body["refund_due"]) == Decimal("49.80") - Decimal(body["return_fee"])
    assert not Refund.objects.exists()
    assert request.case.status == CaseStatus.ESCALATED
    events = set(OutboundMessage.objects.filter(case=request.case).values_list("event", flat=True))
    assert {"inspection_result", "owner_escalation"} <= events
    assert "refund_initiated" not in events


def test_the_agent_cannot_approve_it_themselves(inspected, agent_api):
    response = agent_api.post(f"/api/v1/returns/{inspected['rma']}/refund/")

    assert response.status_code == 409
    assert response.json()["code"] == "above_refund_limit"
    assert not Refund.objects.exists()


def test_an_owner_approves_it_once(inspected, owner_api):
    first = owner_api.post(f"/api/v1/returns/{inspected['rma']}/refund/")
    again = owner_api.post(f"/api/v1/returns/{inspected['rma']}/refund/")

    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "refunded"
    assert Decimal(first.json()["refund"]["amount"]) == Decimal(inspected["return"]["refund_due"])
    assert again.status_code == 409
    assert Refund.objects.count() == 1
    request = ReturnRequest.objects.get(rma=inspected["rma"])
    assert OutboundMessage.objects.filter(case=request.case, event="refund_initiated").count() == 1
    assert request.case.status == CaseStatus.RESOLVED


def test_a_refund_within_the_limit_is_made_at_inspection(agent, agent_api, delivered_order):
    RefundLimit.objects.create(user=agent, amount=Decimal("60"))

    inspected = return_napkins(agent_api, delivered_order)

    assert inspected["status"] == "refunded"
    assert inspected["return"]["awaits_refund_approval"] is False
    assert agent_api.post(f"/api/v1/returns/{inspected['rma']}/refund/").status_code == 409
