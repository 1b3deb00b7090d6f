"""Asking for a return: approved and labelled within the policy, waiting for an agent outside it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseStatus, Refund, RefundLimit
from config.errors import Conflict
from messaging.models import OutboundMessage
from returns import services
from returns.models import ReturnRequest, ReturnStatus
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, make_return, return_line

from .conftest import mail_text, mails, open_return

pytestmark = pytest.mark.django_db


def test_request_within_policy_is_approved_and_gets_a_label(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))

    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert request.rma.startswith(f"R-{timezone.now():%Y}-")
    assert request.label_pdf.read().startswith(b"%PDF")
    assert request.case.kind == "return"
    assert request.case.status == CaseStatus.WAITING_ON_BUYER
    assert mails(request) == ["return_requested", "return_label"]
    label_mail = OutboundMessage.objects.get(case=request.case, event="return_label")
    assert label_mail.attachments.get().filename == f"{request.rma}.pdf"


def test_every_status_change_is_on_the_case_timeline(delivered_order):
    request = make_return(delivered_order)

    moves = list(request.case.events.filter(verb="return_status_changed").values_list("old", "new"))
    assert moves == [("requested", "approved"), ("approved", "label_issued")]


def test_below_the_keep_item_value_the_buyer_is_refunded_and_keeps_the_goods(delivered_order):
    policy = services.policy_for(delivered_order.shop)
    policy.keep_item_below = Decimal("30.00")
    policy.save()

    request = make_return(delivered_order)

    request.refresh_from_db()
    assert request.keep_item
    assert request.status == ReturnStatus.REFUNDED
    assert request.refund.amount == Decimal("24.90")
    assert not request.label_pdf
    assert request.case.cost_total == Decimal("24.90")


def test_keep_the_item_refunds_above_the_agents_limit_wait_for_an_owner(
    delivered_order, agent, agent_api, owner_api
):
    # One keep-the-item return per set of napkins: the second takes the order's refunds above 40.
    policy = services.policy_for(delivered_order.shop)
    policy.keep_item_below = Decimal("30.00")
    policy.save()
    RefundLimit.objects.create(user=agent, amount=Decimal("40"))
    one_set = [{"sku": NAPKINS["sku"], "quantity": 1, "reason": "damaged"}]

    first = open_return(agent_api, delivered_order, lines=one_set).json()
    second = open_return(agent_api, delivered_order, lines=one_set).json()

    assert (first["status"], first["return"]["refund"]["amount"]) == ("refunded", "24.90")
    assert second["status"] == "approved"
    assert second["return"]["awaits_refund_approval"] is True
    assert second["return"]["refund"] is None
    held = ReturnRequest.objects.get(rma=second["rma"])
    assert held.case.status == CaseStatus.ESCALATED
    assert Refund.objects.filter(order=delivered_order).count() == 1
    # Nothing to send back, so nothing lapses while it waits.
    assert held.expires_at is None

    approved = owner_api.post(f"/api/v1/returns/{second['rma']}/refund/")

    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "refunded"
    assert approved.json()["refund"]["amount"] == "24.90"


def test_a_keep_the_item_refund_the_buyer_asks_for_in_the_portal_follows_the_policy(delivered_order, agent):
    # The owner's policy decided it: no agent asked, so no agent's limit applies.
    policy = services.policy_for(delivered_order.shop)
    policy.keep_item_below = Decimal("30.00")
    policy.save()
    RefundLimit.objects.create(user=agent, amount=Decimal("0"))

    request = make_return(delivered_order)

    request.refresh_from_db()
    assert request.status == ReturnStatus.REFUNDED


def test_a_buyer_who_keeps_the_goods_is_not_told_to_send_a_parcel(delivered_order):
    policy = services.policy_for(delivered_order.shop)
    policy.keep_item_below = Decimal("30.00")
    policy.save()

    request = make_return(delivered_order)

    text = mail_text(request, "return_requested")
    assert "behalten" in text
    assert "Rücksendeetikett" not in text and "Einlieferungsbeleg" not in text


def test_a_request_outside_the_policy_waits_for_an_agent(delivered_order, agent):
    delivered_order.lines.filter(sku=NAPKINS["sku"]).update(
        personalisation=[{"label": "Monogramm", "value": "AB"}]
    )

    request = make_return(delivered_order, outside_policy=True)

    request.refresh_from_db()
    assert request.status == ReturnStatus.REQUESTED
    assert [e["code"] for e in request.policy_exceptions] == ["personalised"]

    services.return_approve(rma=request.rma, actor=agent, reason="Kulanz")

    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED


def test_approving_twice_is_a_conflict(delivered_order, agent):
    request = make_return(delivered_order)

    with pytest.raises(Conflict):
        services.return_approve(rma=request.rma, actor=agent)


@row_locks
def test_two_requests_for_the_last_item_at_once_give_one_return(delivered_order):
    outcomes = run_at_once(
        lambda: make_return(delivered_order, return_line(delivered_order, quantity=2)),
        lambda: make_return(delivered_order, return_line(delivered_order, quantity=2)),
    )

    assert sum(isinstance(o, ReturnRequest) for o in outcomes) == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
