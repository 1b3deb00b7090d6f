"""Stripe disputes open (or update) a chargeback case on the order they concern."""

import hashlib
import hmac
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from cases.models import CaseEvent
from claims.models import Claim
from integrations.models import InboundEvent, InboundStatus
from messaging.models import OutboundMessage, OwnerEvent
from orders.models import Role
from tests.factories import make_order

from .conftest import body_of, post, process_all

WHSEC = "whsec_5f8c2b1e9d7a4c3b"


def stripe_signature(body: bytes, secret: str = WHSEC, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def dispute_event(
    kind="charge.dispute.created",
    *,
    event_id="evt_1PqXyZLkdIwHu7ix0aBcDeF1",
    status="needs_response",
    charge="ch_3PqW2sLkdIwHu7ix1",
    amount=6570,
    currency="eur",
    reason="product_not_received",
    created=1777900000,
):
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": created,
        "livemode": True,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
        "data": {
            "object": {
                "id": "dp_1PqXyZLkdIwHu7ixAbCdEf12",
                "object": "dispute",
                "amount": amount,
                "charge": charge,
                "currency": currency,
                "created": 1777900000,
                "evidence_details": {
                    "due_by": 1778716799,
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
                "is_charge_refundable": False,
                "livemode": True,
                "payment_intent": "pi_3PqW2sLkdIwHu7ix1T0aBcDe",
                "reason": reason,
                "status": status,
            }
        },
    }


def send_stripe(web, shop, payload, **signature):
    body = body_of(payload)
    return post(web, "stripe", shop.slug, body, {"Stripe-Signature": stripe_signature(body, **signature)})


@pytest.fixture
def stripe(connect):
    return connect("stripe", WHSEC)


@pytest.fixture
def paid_order(shop):
    return make_order(
        shop,
        number="2001",
        total="65.70",
        payment={
            "method": "card",
            "status": "paid",
            "amount": Decimal("65.70"),
            "reference": "ch_3PqW2sLkdIwHu7ix1",
        },
    )


def test_stripe_dispute_opens_a_chargeback_case_and_tells_the_owners(web, shop, stripe, paid_order, owner):
    owner.email = "inhaberin@leinen.example"
    owner.save()
    assert send_stripe(web, shop, dispute_event()).status_code == 200
    [event] = process_all()

    assert event.status == InboundStatus.PROCESSED, event.error
    claim = Claim.objects.select_related("case").get()
    assert claim.case.order == paid_order
    assert (claim.type, claim.dispute_provider, claim.dispute_reference) == (
        "chargeback",
        "stripe",
        "dp_1PqXyZLkdIwHu7ixAbCdEf12",
    )
    assert claim.dispute_amount == Decimal("65.70")  # 6570 cents
    assert claim.dispute_reason == "product_not_received"
    assert claim.respond_by == datetime.fromtimestamp(1778716799, tz=UTC)
    assert OutboundMessage.objects.filter(
        case=claim.case, event=OwnerEvent.OWNER_DISPUTE, to_email=owner.email
    ).exists()


def test_stripe_dispute_matches_the_payment_intent_too(web, shop, stripe):
    make_order(
        shop,
        number="2002",
        payment={"method": "card", "reference": "pi_3PqW2sLkdIwHu7ix1T0aBcDe", "amount": Decimal("10")},
    )
    send_stripe(web, shop, dispute_event(charge="ch_unknown"))
    process_all()

    assert Claim.objects.get().case.order.number == "2002"


def test_stripe_zero_decimal_currency_amount_is_not_divided(web, shop, stripe):
    make_order(
        shop,
        number="2003",
        payment={"method": "card", "reference": "ch_3PqW2sLkdIwHu7ix1", "amount": Decimal("6570")},
    )
    send_stripe(web, shop, dispute_event(currency="jpy"))
    process_all()

    assert Claim.objects.get().dispute_amount == Decimal("6570.00")


def test_stripe_update_before_create_still_gives_one_case(web, shop, stripe, paid_order):
    send_stripe(web, shop, dispute_event("charge.dispute.updated", event_id="evt_2", status="under_review"))
    send_stripe(web, shop, dispute_event("charge.dispute.created", event_id="evt_1"))
    send_stripe(web, shop, dispute_event("charge.dispute.closed", event_id="evt_3", status="won"))

    assert [e.status for e in process_all()] == ["processed"] * 3
    claim = Claim.objects.get()
    assert list(
        CaseEvent.objects.filter(case=claim.case, verb="dispute_updated").values_list("new", flat=True)
    ) == ["needs_response", "won"]


def test_one_new_dispute_tells_each_owner_once(web, shop, stripe, paid_order, owner, grant):
    owner.email = "inhaberin@leinen.example"
    owner.save()
    partner = User.objects.create_user(username="partner", email="partner@leinen.example")
    grant(partner, shop, Role.OWNER)
    send_stripe(web, shop, dispute_event())
    process_all()

    messages = OutboundMessage.objects.filter(event=OwnerEvent.OWNER_DISPUTE)
    assert sorted(messages.values_list("to_email", flat=True)) == [
        "inhaberin@leinen.example",
        "partner@leinen.example",
    ]


def test_stripe_update_delivered_after_the_close_does_not_undo_it(web, shop, stripe, paid_order):
    send_stripe(web, shop, dispute_event("charge.dispute.created", event_id="evt_1", created=1777900000))
    send_stripe(
        web,
        shop,
        dispute_event("charge.dispute.closed", event_id="evt_3", status="lost", created=1778700000),
    )
    # Sent before the close, delivered after it (Stripe does not keep events in order).
    late = dispute_event(
        "charge.dispute.updated",
        event_id="evt_2",
        status="under_review",
        amount=5000,
        reason="fraudulent",
        created=1778000000,
    )
    late["data"]["object"]["evidence_details"]["due_by"] = 1779000000
    send_stripe(web, shop, late)

    created, closed, updated = process_all()

    assert (created.status, closed.status) == (InboundStatus.PROCESSED, InboundStatus.PROCESSED)
    assert updated.status == InboundStatus.IGNORED
    assert "older" in updated.error
    claim = Claim.objects.get()
    assert (claim.dispute_reason, claim.dispute_amount) == ("product_not_received", Decimal("65.70"))
    assert claim.respond_by == datetime.fromtimestamp(1778716799, tz=UTC)
    assert list(
        CaseEvent.objects.filter(case=claim.case, verb="dispute_updated").values_list("new", flat=True)
    ) == ["lost"]


@pytest.mark.parametrize(
    "seconds", [-301, -600, 600], ids=["301 s ago", "10 minutes ago", "10 minutes ahead"]
)
def test_stripe_signature_outside_five_minutes_is_refused(web, shop, stripe, paid_order, seconds):
    response = send_stripe(web, shop, dispute_event(), timestamp=int(time.time()) + seconds)

    assert response.status_code == 401
    assert "Stripe-Signature" in response.json()["error"]
    assert not InboundEvent.objects.exists()


def test_stripe_signature_a_few_seconds_ahead_is_taken(web, shop, stripe, paid_order):
    assert send_stripe(web, shop, dispute_event(), timestamp=int(time.time()) + 3).status_code == 200


def test_stripe_replay_with_a_changed_header_is_a_duplicate(web, shop, stripe, paid_order):
    body = body_of(dispute_event())
    signature = stripe_signature(body)
    post(web, "stripe", shop.slug, body, {"Stripe-Signature": signature})

    # The same delivery again, its header dressed up: what Stripe signed is the same event.
    replayed = post(web, "stripe", shop.slug, body, {"Stripe-Signature": f"{signature},v1=00ff,v0=abc"})

    assert replayed.status_code == 200
    assert replayed.json()["status"] == "duplicate"
    assert [event.status for event in process_all()] == ["processed"]
    assert Claim.objects.count() == 1


def test_stripe_wrong_secret_is_refused(web, shop, stripe):
    assert send_stripe(web, shop, dispute_event(), secret="whsec_other").status_code == 401


def test_stripe_accepts_any_matching_v1_during_secret_rotation(web, shop, stripe):
    body = body_of(dispute_event())
    timestamp = int(time.time())
    good = stripe_signature(body, timestamp=timestamp).split(",")[1]
    header = f"t={timestamp},v1={'0' * 64},{good}"

    assert post(web, "stripe", shop.slug, body, {"Stripe-Signature": header}).status_code == 200


def test_stripe_dispute_for_an_order_we_do_not_know_fails_visibly(web, shop, stripe):
    send_stripe(web, shop, dispute_event(charge="ch_nobody"))
    [event] = process_all()

    assert event.status == InboundStatus.FAILED
    assert "ch_nobody" in event.error
    assert not Claim.objects.exists()


def test_stripe_event_postsale_does_not_use_is_ignored(web, shop, stripe):
    payload = dispute_event("customer.created")
    send_stripe(web, shop, payload)

    assert [e.status for e in process_all()] == ["ignored"]


def test_stripe_signed_but_not_an_event_is_400(web, shop, stripe):
    assert send_stripe(web, shop, {"id": "evt_1"}).status_code == 400


def closed_dispute(status: str, *, fee: int | None = None):
    """The dispute's `charge.dispute.closed`, with the balance transaction that withdrew it (and its fee)."""
    event = dispute_event("charge.dispute.closed", event_id="evt_closed", status=status, created=1778700000)
    if fee is not None:
        event["data"]["object"]["balance_transactions"] = [
            {"id": "txn_1", "object": "balance_transaction", "amount": -6570, "currency": "eur", "fee": fee}
        ]
    return event


def test_a_won_stripe_dispute_resolves_its_case_at_no_cost(web, shop, stripe, paid_order):
    send_stripe(web, shop, dispute_event())
    send_stripe(web, shop, closed_dispute("won", fee=0))
    process_all()

    claim = Claim.objects.select_related("case").get()
    assert claim.case.status == "resolved"
    assert (claim.dispute_outcome, claim.case.cost_total) == ("won", Decimal("0"))
    decided = CaseEvent.objects.get(case=claim.case, verb="dispute_decided")
    assert (decided.new, decided.data["reason_code"]) == ("won", "dispute_won")


def test_a_lost_stripe_dispute_resolves_its_case_with_the_amount_and_the_fee(web, shop, stripe, paid_order):
    send_stripe(web, shop, dispute_event())
    send_stripe(web, shop, closed_dispute("lost", fee=1500))
    process_all()

    claim = Claim.objects.select_related("case").get()
    assert claim.case.status == "resolved"
    assert (claim.dispute_fee, claim.dispute_cost) == (Decimal("15.00"), Decimal("80.70"))
    assert claim.case.cost_total == Decimal("80.70")
    decided = CaseEvent.objects.get(case=claim.case, verb="dispute_decided")
    assert decided.data["reason_code"] == "dispute_lost"
    assert (decided.data["amount"], decided.data["fee"]) == ("", "15.00")


def test_a_lost_dispute_delivered_twice_costs_once(web, shop, stripe, paid_order):
    send_stripe(web, shop, dispute_event())
    send_stripe(web, shop, closed_dispute("lost", fee=1500))
    again = closed_dispute("lost", fee=1500)
    again["id"] = "evt_closed_again"
    again["created"] = 1778700100
    send_stripe(web, shop, again)
    process_all()

    claim = Claim.objects.select_related("case").get()
    assert claim.case.cost_total == Decimal("80.70")
    assert CaseEvent.objects.filter(case=claim.case, verb="dispute_decided").count() == 1
