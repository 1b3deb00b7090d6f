"""Refunds through Stripe: one click makes exactly one refund at Stripe, whatever the wire does.

Stripe is `FakeStripe`, a local HTTP server that answers `POST /v1/refunds` as
Stripe does, repeats its first answer to a repeated idempotency key, and can be
told to answer late, 500 or 402. The worker's task is run here as the worker
runs it (`outbound_send`), `later` seconds from now when a retry is due.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.models import CaseStatus, OutboundCall, OutboundStatus, Refund, RefundStatus
from cases.outbound import _claim, outbound_send, outbound_sweep
from cases.refunds import order_refundable_amount
from claims.services import claim_resolve
from integrations.models import Integration
from integrations.outbound import register
from integrations.providers.stripe_refunds import minor_units, send_refund
from integrations.services import integration_configure
from messaging.models import OutboundMessage
from tests.concurrency import row_locks, run_at_once
from tests.factories import make_claim, make_order

from .conftest import process_all
from .fake_stripe import API_KEY, FakeStripe
from .test_stripe import WHSEC, send_stripe

pytestmark = pytest.mark.django_db
PI = "pi_3PqW2sLkdIwHu7ix1T0aBcDe"


@pytest.fixture
def fake():
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_shop(shop, fake):
    integration_configure(shop=shop, source="stripe", secret=WHSEC, api_key=API_KEY, api_url=fake.url)
    return shop


@pytest.fixture
def case(stripe_shop):
    order = make_order(
        stripe_shop, number="5001", payment={"method": "card", "status": "paid", "reference": PI}
    )
    return make_claim(order).case


def deliver(*, later: int = 0):
    """What the workers do: send every call that is due `later` seconds from now."""
    now = timezone.now() + timedelta(seconds=later)
    pending = OutboundCall.objects.exclude(status__in=[OutboundStatus.SUCCEEDED, OutboundStatus.FAILED])
    return [outbound_send(call_id=pk, now=now) for pk in pending.values_list("pk", flat=True)]


def on_its_way(case) -> int:
    return OutboundMessage.objects.filter(case=case, event="refund_issued").count()


def test_one_click_on_refund_makes_exactly_one_refund_at_stripe(client, owner, case, fake):
    client.force_login(owner)
    response = client.post(f"/desk/cases/{case.reference}/act/", {"action": "refund", "amount": "30.80"})
    assert response.status_code == 302

    # Sent after commit by a worker, never by the web request; the buyer hears nothing yet.
    refund = Refund.objects.get(case=case)
    assert (refund.gateway, refund.status) == ("stripe", RefundStatus.SUBMITTED)
    assert fake.requests == [] and on_its_way(case) == 0

    deliver()
    deliver(later=3600)  # a late duplicate task, the sweep: nothing more happens

    [made] = fake.refunds
    [sent] = fake.requests
    call = OutboundCall.objects.get(refund=refund)
    assert made["payment_intent"] == PI and made["amount"] == 3080
    assert made["metadata"] == {"postsale_refund_id": str(refund.pk), "postsale_case": case.reference}
    assert sent["headers"]["idempotency-key"] == call.idempotency_key
    assert sent["headers"]["content-type"] == "application/x-www-form-urlencoded"
    refund.refresh_from_db()
    assert (refund.status, refund.gateway_reference) == (RefundStatus.COMPLETED, made["id"])
    assert on_its_way(case) == 1
    assert "outbound_succeeded" in set(case.events.values_list("verb", flat=True))


def test_a_500_then_success_is_one_refund_sent_with_the_same_key_twice(owner, case, fake):
    fake.then("500")
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING and first.retry_in >= 30
    [not_due] = deliver()
    assert not_due.status == "" and len(fake.requests) == 1
    deliver(later=3600)

    assert len(fake.refunds) == 1
    keys = [request["headers"]["idempotency-key"] for request in fake.requests]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert Refund.objects.get(case=case).status == RefundStatus.COMPLETED
    assert "outbound_retrying" in set(case.events.values_list("verb", flat=True))


def test_a_timeout_is_tried_again_and_stripe_still_refunds_once(owner, case, fake, settings):
    settings.POSTSALE_OUTBOUND_TIMEOUT = 0.3
    fake.then(("late", 1.0))  # Stripe makes the refund, but answers after we stopped waiting
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING
    assert on_its_way(case) == 0
    deliver(later=3600)

    assert len(fake.refunds) == 1 and len(fake.requests) == 2
    assert Refund.objects.get(case=case).status == RefundStatus.COMPLETED
    assert on_its_way(case) == 1


def test_stripe_refusing_puts_the_case_back_before_an_agent_with_stripes_words(client, owner, case, fake):
    fake.then(("402", "charge_already_refunded", "Charge ch_3PqW2s has already been refunded."))
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    assert order_refundable_amount(case.order) == case.order.total - Decimal("10.00")

    deliver()
    deliver(later=3600)

    call = OutboundCall.objects.get()
    refund = Refund.objects.get(case=case)
    case.refresh_from_db()
    assert (call.status, call.last_status_code, len(fake.requests)) == (OutboundStatus.FAILED, 402, 1)
    assert refund.status == RefundStatus.FAILED
    assert case.status == CaseStatus.IN_PROGRESS
    # The money it held can be refunded again, and the buyer was not told it is on its way.
    assert order_refundable_amount(case.order) == case.order.total
    assert on_its_way(case) == 0
    failed = case.events.get(verb="outbound_failed")
    assert (
        "already been refunded" in failed.data["reason"]
        and "charge_already_refunded" in failed.data["reason"]
    )
    client.force_login(owner)
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "already been refunded" in page


def test_an_agent_sends_a_call_again_after_the_last_attempt_failed(
    client, agent, owner, case, fake, settings
):
    settings.POSTSALE_OUTBOUND_MAX_ATTEMPTS = 2
    fake.then("500", "500")
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    deliver()
    deliver(later=3600)
    call = OutboundCall.objects.get()
    case.refresh_from_db()
    assert call.status == OutboundStatus.FAILED and case.status == CaseStatus.IN_PROGRESS
    # Stripe may have made it after all: the money stays reserved until the retry finds out.
    assert Refund.objects.get().status == RefundStatus.SUBMITTED
    assert fake.refunds == []

    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert f"/desk/cases/{case.reference}/outbound/{call.pk}/retry/" in page
    response = client.post(f"/desk/cases/{case.reference}/outbound/{call.pk}/retry/")
    assert response.status_code == 302
    deliver()

    assert len(fake.refunds) == 1
    assert len({request["headers"]["idempotency-key"] for request in fake.requests}) == 1
    assert Refund.objects.get().status == RefundStatus.COMPLETED
    assert on_its_way(case) == 1
    assert case.events.filter(verb="outbound_retried", actor=agent).exists()
    # A call that succeeded is not sent again.
    again = client.post(f"/desk/cases/{case.reference}/outbound/{call.pk}/retry/", follow=True)
    assert "cannot be sent again" in again.content.decode()
    assert len(fake.requests) == 3


def test_another_shops_agent_cannot_send_a_call_again(client, swedish_agent, owner, case, fake, settings):
    settings.POSTSALE_OUTBOUND_MAX_ATTEMPTS = 1
    fake.then("500")
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    deliver()
    call = OutboundCall.objects.get()
    client.force_login(swedish_agent)

    response = client.post(f"/desk/cases/{case.reference}/outbound/{call.pk}/retry/")

    assert response.status_code == 404
    call.refresh_from_db()
    assert call.status == OutboundStatus.FAILED


def test_the_webhook_completes_a_refund_stripe_accepted_and_the_buyer_hears_once(web, owner, case, fake):
    fake.refund_status = "pending"
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    deliver()
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.ACCEPTED
    assert on_its_way(case) == 1

    made = dict(fake.refunds[0], status="succeeded")
    charge = {"id": made["charge"], "object": "charge", "payment_intent": PI, "refunds": {"data": [made]}}
    event = {"id": "evt_1Refunded", "object": "event", "type": "charge.refunded", "created": 1777900000}
    assert send_stripe(web, case.shop, dict(event, data={"object": charge})).status_code == 200
    [processed] = process_all()

    assert processed.status == "processed", processed.error
    refund.refresh_from_db()
    assert refund.status == RefundStatus.COMPLETED and refund.completed_at is not None
    assert on_its_way(case) == 1


def test_the_webhook_can_come_before_the_answer_is_stored(web, owner, case, fake):
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    refund = Refund.objects.get()
    updated = {
        "id": "re_3PqW2sLkdIwHu7ix0Early",
        "object": "refund",
        "status": "succeeded",
        "metadata": {"postsale_refund_id": str(refund.pk)},
    }
    event = {"id": "evt_1Early", "object": "event", "type": "refund.updated", "created": 1777900000}
    send_stripe(web, case.shop, dict(event, data={"object": updated}))
    process_all()

    refund.refresh_from_db()
    assert (refund.status, refund.gateway_reference) == (RefundStatus.COMPLETED, updated["id"])
    assert on_its_way(case) == 1


def test_another_shops_stripe_webhook_cannot_move_our_refund(web, owner, case, fake, swedish_shop):
    integration_configure(shop=swedish_shop, source="stripe", secret="whsec_linnestugan")
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    refund = Refund.objects.get()
    failed = {
        "id": "re_x",
        "object": "refund",
        "status": "failed",
        "metadata": {"postsale_refund_id": str(refund.pk)},
    }
    event = {"id": "evt_1Other", "object": "event", "type": "refund.updated", "created": 1777900000}

    send_stripe(web, swedish_shop, dict(event, data={"object": failed}), secret="whsec_linnestugan")
    [processed] = process_all()

    assert processed.status == "ignored"
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED


@row_locks
def test_two_agents_clicking_refund_at_once_make_one_refund_at_stripe(owner, case, fake):
    outcomes = run_at_once(
        lambda: claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner),
        lambda: claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner),
    )
    assert sum(not isinstance(outcome, Exception) for outcome in outcomes) >= 1
    [call] = OutboundCall.objects.all()
    # Two workers take the same call at once: SKIP LOCKED lets one through.
    run_at_once(lambda: outbound_send(call_id=call.pk), lambda: outbound_send(call_id=call.pk))
    deliver(later=3600)

    assert len(fake.requests) == 1 and len(fake.refunds) == 1


def test_a_worker_killed_after_stripe_answered_still_makes_one_refund(owner, case, fake, settings):
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    call = OutboundCall.objects.get()
    # The worker claims the call, Stripe refunds, and the worker dies before writing the answer down.
    claimed = _claim(call.pk, timezone.now())
    send_refund(claimed)
    assert len(fake.refunds) == 1

    soon, later = (
        timezone.now() + timedelta(seconds=s) for s in (10, settings.POSTSALE_OUTBOUND_STALE_SECONDS + 1)
    )
    assert outbound_sweep(now=soon) == []  # its worker may still be alive
    assert outbound_sweep(now=later) == [call.pk]
    outbound_send(call_id=call.pk, now=later)

    assert len(fake.refunds) == 1 and len(fake.requests) == 2
    call.refresh_from_db()
    assert (call.status, call.attempts) == (OutboundStatus.SUCCEEDED, 2)
    assert Refund.objects.get().status == RefundStatus.COMPLETED
    assert on_its_way(case) == 1


def test_the_sweep_enqueues_a_call_whose_task_never_ran(owner, case, settings):
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    call = OutboundCall.objects.get()
    assert outbound_sweep() == []
    lost = timezone.now() + timedelta(seconds=settings.POSTSALE_OUTBOUND_LOST_SECONDS + 1)
    assert outbound_sweep(now=lost) == [call.pk]


def test_a_payment_without_stripe_is_refunded_by_hand_and_told_at_once(owner, stripe_shop, fake):
    order = make_order(
        stripe_shop, payment={"method": "paypal", "status": "paid", "reference": "5TY05013RG002845M"}
    )
    case = make_claim(order).case
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)

    refund = Refund.objects.get()
    assert (refund.gateway, refund.status) == ("manual", RefundStatus.PENDING)
    assert not OutboundCall.objects.exists()
    assert on_its_way(case) == 1


def test_a_stripe_reference_without_a_stripe_integration_is_refunded_by_hand(owner, shop):
    case = make_claim(make_order(shop, payment={"method": "card", "status": "paid", "reference": PI})).case
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    assert Refund.objects.get().gateway == "manual"


def test_the_provider_the_shop_names_wins_over_the_reference(owner, stripe_shop, api):
    body = {
        "shop": stripe_shop.slug,
        "number": "5002",
        "placed_at": timezone.now().isoformat(),
        "total": "30.80",
        "buyer": {"email": "anna.berg@example.de", "language": "de"},
        "lines": [{"sku": "S", "title": "Serviette", "quantity": 1, "unit_price": "24.90"}],
        "payment": {"method": "card", "reference": PI, "provider": "paypal"},
    }
    response = api.post("/api/v1/orders/", body, format="json")
    assert response.status_code in (200, 201), response.content
    order = stripe_shop.orders.get(number="5002")
    assert order.payments.get().provider == "paypal"
    case = make_claim(order).case
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    assert Refund.objects.get().gateway == "manual"


def test_a_provider_the_api_does_not_know_is_refused_by_name(stripe_shop, api):
    body = {
        "shop": stripe_shop.slug,
        "number": "5003",
        "placed_at": timezone.now().isoformat(),
        "total": "30.80",
        "buyer": {"email": "anna.berg@example.de", "language": "de"},
        "lines": [{"sku": "S", "title": "Serviette", "quantity": 1, "unit_price": "24.90"}],
        "payment": {"method": "card", "reference": PI, "provider": "bitcoin"},
    }
    response = api.post("/api/v1/orders/", body, format="json")
    assert response.status_code == 400
    assert "provider" in response.content.decode()
    assert not stripe_shop.orders.filter(number="5003").exists()


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("49.90", "EUR", 4990), ("0.10", "SEK", 10), ("5000", "JPY", 5000), ("1.234", "KWD", 1230)],
)
def test_amounts_go_to_stripe_in_the_currencys_smallest_unit(amount, currency, minor):
    assert minor_units(Decimal(amount), currency) == minor


def test_configure_integration_stores_the_api_key_sealed_and_the_api_url(shop):
    call_command(
        "configure_integration",
        shop=shop.slug,
        source="stripe",
        secret=WHSEC,
        api_key="rk_live_51Secret",
        api_url="http://127.0.0.1:12111",
    )
    integration = Integration.objects.get(shop=shop, source="stripe")
    assert integration.api_key.startswith("fernet:") and "rk_live" not in integration.api_key
    assert integration.carrier_api_key == "rk_live_51Secret"
    assert integration.base_url == "http://127.0.0.1:12111"
    with pytest.raises(CommandError, match="api_url"):
        call_command(
            "configure_integration", shop=shop.slug, source="stripe", secret=WHSEC, api_url="file:///etc"
        )


def test_without_an_api_url_refunds_go_to_stripes_public_api(shop):
    integration = integration_configure(shop=shop, source="stripe", secret=WHSEC, api_key=API_KEY)
    assert integration.base_url == "https://api.stripe.com"
    register()  # registering twice (a second ready()) changes nothing


def test_try_again_after_stripe_refused_is_a_new_request_that_stripe_can_accept(client, agent, owner, case, fake):
    """Stripe answers a repeated key with its first answer, a refusal too: the agent's retry needs a new key."""
    fake.then(("402", "charge_disputed", "This charge has been disputed and cannot be refunded right now."))
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    deliver()
    call = OutboundCall.objects.get()
    refused_key = call.idempotency_key
    assert call.status == OutboundStatus.FAILED and fake.refunds == []

    client.force_login(agent)
    client.post(f"/desk/cases/{case.reference}/outbound/{call.pk}/retry/")
    deliver()
    deliver(later=3600)

    call.refresh_from_db()
    assert call.status == OutboundStatus.SUCCEEDED and call.idempotency_key != refused_key
    assert call.idempotency_key.split("~")[0] == refused_key.split("~")[0]
    assert len(fake.refunds) == 1 and Refund.objects.get().status == RefundStatus.COMPLETED
    assert on_its_way(case) == 1
