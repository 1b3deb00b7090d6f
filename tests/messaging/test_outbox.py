"""The outbox: one row per e-mail, queued with the change it reports and enqueued only after commit."""

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from messaging.models import BuyerEvent, OutboundMessage, OutboundStatus, OwnerEvent, OwnerNotificationSetting
from messaging.services.outbox import notify_buyer, notify_owners
from orders.models import Role
from tests.factories import NAPKINS, make_claim, make_order

pytestmark = pytest.mark.django_db


def test_notify_buyer_enqueues_the_send_only_after_commit(swedish_claim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = notify_buyer(
            case=swedish_claim.case, event=BuyerEvent.REFUND_ISSUED, context={"reason": "x"}
        )

    assert message.status == OutboundStatus.QUEUED
    assert message.to_email == "karin.lind@example.se"
    assert len(callbacks) == 1


def test_rolled_back_change_leaves_no_email(swedish_claim):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify_buyer(case=swedish_claim.case, event=BuyerEvent.REFUND_ISSUED)
        raise RuntimeError("the change failed")

    assert not OutboundMessage.objects.filter(event=BuyerEvent.REFUND_ISSUED).exists()


def test_each_call_gets_the_next_sequence(swedish_claim):
    first = notify_buyer(case=swedish_claim.case, event=BuyerEvent.CARRIER_CLAIM_FILED)
    second = notify_buyer(case=swedish_claim.case, event=BuyerEvent.CARRIER_CLAIM_FILED)

    assert (first.sequence, second.sequence) == (1, 2)


def test_caller_given_sequence_makes_the_email_idempotent(swedish_claim):
    first = notify_buyer(case=swedish_claim.case, event=BuyerEvent.REPLACEMENT_SHIPPED, sequence=7)
    again = notify_buyer(case=swedish_claim.case, event=BuyerEvent.REPLACEMENT_SHIPPED, sequence=7)

    assert again.pk == first.pk
    assert OutboundMessage.objects.filter(event=BuyerEvent.REPLACEMENT_SHIPPED).count() == 1


def test_case_without_buyer_email_gets_no_row(swedish_claim):
    case = swedish_claim.case
    case.buyer.email = ""
    case.buyer.save()

    assert notify_buyer(case=case, event=BuyerEvent.REFUND_ISSUED) is None


def test_owner_notifications_honour_each_owners_setting(swedish_claim, owner, shop, grant):
    owner.email = "owner@leinen.example"
    owner.save()
    quiet = User.objects.create_user("quiet", email="quiet@leinen.example")
    grant(quiet, shop, Role.OWNER)
    OwnerNotificationSetting.objects.create(user=quiet, event=OwnerEvent.OWNER_ESCALATION, enabled=False)

    messages = notify_owners(
        case=swedish_claim.case, event=OwnerEvent.OWNER_ESCALATION, context={"reason": "over limit"}
    )

    assert [m.to_email for m in messages] == ["owner@leinen.example"]


def test_an_owner_hears_nothing_of_another_shops_escalation(shop, carrier, agent_api, owner, swedish_owner):
    owner.email, swedish_owner.email = "owner@leinen.example", "sven@linnestugan.example"
    owner.save()
    swedish_owner.save()
    case = make_claim(make_order(shop, lines=[dict(NAPKINS, quantity=4)])).case

    # Leinen & Liebe's agent, whose limit is 0, refunds: the case goes to the owners.
    response = agent_api.post(
        f"/api/v1/cases/{case.reference}/resolve/", {"action": "refund", "amount": "99.60"}, format="json"
    )

    assert response.json()["escalated_for_limit"] is True
    escalations = OutboundMessage.objects.filter(event=OwnerEvent.OWNER_ESCALATION)
    assert list(escalations.values_list("to_email", flat=True)) == ["owner@leinen.example"]
