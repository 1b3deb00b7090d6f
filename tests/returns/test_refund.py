"""A return's refund: what it comes to, an owner's approval above the agent's limit, and never twice
for the same goods."""

from decimal import Decimal

import pytest

from cases.models import CaseStatus, Refund, RefundLimit
from claims.services import claim_resolve
from messaging.models import OutboundMessage
from returns import services
from returns.models import ReturnRequest, ReturnStatus
from returns.services import InspectLine, RefundLine, refund_compute
from tests.factories import NAPKINS, make_claim, make_return

from .conftest import open_return

FREE = {
    "free_returns": True,
    "return_fee": "4.95",
    "restocking_percent": {"as_new": 0, "opened": 10, "used": 20, "damaged": 50},
}
PAID = {**FREE, "free_returns": False}


@pytest.mark.parametrize(
    ("lines", "terms", "goods", "restocking", "fee", "amount"),
    [
        pytest.param([("24.90", 2, "as_new")], FREE, "49.80", "0.00", "0.00", "49.80", id="free-as-new"),
        pytest.param([("24.90", 2, "as_new")], PAID, "49.80", "0.00", "4.95", "44.85", id="paid-return"),
        pytest.param([("24.90", 1, "opened")], FREE, "24.90", "2.49", "0.00", "22.41", id="opened-10pct"),
        pytest.param([("24.90", 1, "used")], PAID, "24.90", "4.98", "4.95", "14.97", id="used-20pct-paid"),
        pytest.param([("89.00", 1, "damaged")], FREE, "89.00", "44.50", "0.00", "44.50", id="damaged-50pct"),
        pytest.param(
            [("24.90", 2, "as_new"), ("89.00", 1, "used")],
            PAID,
            "138.80",
            "17.80",
            "4.95",
            "116.05",
            id="mixed",
        ),
        pytest.param(
            [("24.90", 0, "damaged")], PAID, "0.00", "0.00", "0.00", "0.00", id="nothing-accepted-no-fee"
        ),
        pytest.param(
            [("3.00", 1, "as_new")], PAID, "3.00", "0.00", "3.00", "0.00", id="fee-never-below-zero"
        ),
        pytest.param([("0.05", 1, "opened")], FREE, "0.05", "0.01", "0.00", "0.04", id="half-cent-rounds-up"),
        pytest.param(
            [("10.00", 1, "used")],
            {"free_returns": False, "return_fee": "1.00", "restocking_percent": {"used": 100}},
            "10.00",
            "10.00",
            "0.00",
            "0.00",
            id="full-restocking-no-fee-left",
        ),
    ],
)
def test_refund_amount(lines, terms, goods, restocking, fee, amount):
    result = refund_compute(
        lines=[RefundLine(Decimal(price), quantity, condition) for price, quantity, condition in lines],
        terms=terms,
    )

    assert (result.goods, result.restocking_fee, result.return_fee, result.amount) == (
        Decimal(goods),
        Decimal(restocking),
        Decimal(fee),
        Decimal(amount),
    )


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
def owner_with_email(owner):
    owner.email = "inhaberin@leinen.example"
    owner.save()
    return owner


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_the_agent_cannot_approve_it_themselves(inspected, agent_api):
    response = agent_api.post(f"/api/v1/returns/{inspected['rma']}/refund/")

    assert response.status_code == 409
    assert response.json()["code"] == "above_refund_limit"
    assert not Refund.objects.exists()


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_a_refund_within_the_limit_is_made_at_inspection(agent, agent_api, delivered_order):
    RefundLimit.objects.create(user=agent, amount=Decimal("60"))

    inspected = return_napkins(agent_api, delivered_order)

    assert inspected["status"] == "refunded"
    assert inspected["return"]["awaits_refund_approval"] is False
    assert agent_api.post(f"/api/v1/returns/{inspected['rma']}/refund/").status_code == 409


@pytest.mark.django_db
def test_goods_sent_back_after_a_claim_refunded_them_are_accepted_without_a_second_refund(
    delivered_order, agent
):
    claim = make_claim(delivered_order, opened_via="portal")
    paid = delivered_order.payments.get().amount
    claim_resolve(case=claim.case, action="refund", amount=paid, actor=None, reason="Kulanz")
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")], actor=agent)

    request.refresh_from_db()
    assert request.status in (ReturnStatus.REFUNDED, ReturnStatus.PARTLY_REFUNDED)
    assert request.refund is None
    assert request.case.events.filter(verb="return_refund_capped").exists()
