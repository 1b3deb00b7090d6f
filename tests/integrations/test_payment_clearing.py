"""A held order ships by itself once its money is in, whoever says so: the payment provider's webhook
(Stripe, PayPal), the orders API or the shop's own copy of the order (tests/integrations/test_shop_orders.py).

A rush order paid by something that has not cleared is held by a payment review; it is released
when every payment of it is paid and cleared, once, and only by news about this shop's payments.
"""

from decimal import Decimal

import pytest

from cases.choices import ClaimType
from claims.services import claim_resolve
from integrations.models import InboundStatus
from orders.models import Order, Payment
from tests.factories import make_claim, make_order
from tests.orders.conftest import ORDERS, order_payload

from .conftest import process_all
from .test_paypal import paypal_integration, send_paypal  # noqa: F401  (the fixture)
from .test_stripe import WHSEC, send_stripe

pytestmark = pytest.mark.django_db

INTENT = "pi_3QaRushLkdIwHu7ix0Chq42"


@pytest.fixture
def stripe(connect):
    return connect("stripe", WHSEC)


def held(order, owner):
    """A payment review on the order, decided "hold until the payment has cleared"."""
    case = make_claim(order, ClaimType.PAYMENT_REVIEW).case
    claim_resolve(case=case, action="hold_order", actor=owner, reason="Not cleared yet")
    order.refresh_from_db()
    assert order.held_at is not None
    return case


def pending_order(shop, *, number="4001", reference=INTENT, method="card", **kwargs):
    return make_order(
        shop,
        number=number,
        total="89.00",
        payment={
            "method": method,
            "status": "pending",
            "amount": Decimal("89.00"),
            "reference": reference,
        },
        **kwargs,
    )


def intent_succeeded(intent=INTENT, *, event_id="evt_3QaRushPaid0001"):
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": 1777990000,
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": intent,
                "object": "payment_intent",
                "amount": 8900,
                "currency": "eur",
                "latest_charge": "ch_3QaRushLkdIwHu7ix0Chq42",
                "status": "succeeded",
            }
        },
    }


def capture_completed(capture_id="5TY05013RG002845M", *, event_id="WH-58D329510W468432D-8HN650336L201105X"):
    return {
        "id": event_id,
        "create_time": "2026-05-06T09:12:00.000Z",
        "resource_type": "capture",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "summary": "Payment completed for EUR 89.0 EUR",
        "resource": {
            "id": capture_id,
            "amount": {"currency_code": "EUR", "value": "89.00"},
            "final_capture": True,
            "status": "COMPLETED",
            "update_time": "2026-05-06T09:11:58Z",
        },
    }


def test_a_held_order_is_released_when_stripe_says_its_payment_succeeded(web, shop, owner, stripe):
    order = pending_order(shop)
    case = held(order, owner)

    send_stripe(web, shop, intent_succeeded())
    [event] = process_all()

    assert event.status == InboundStatus.PROCESSED
    order.refresh_from_db()
    assert order.held_at is None
    payment = Payment.objects.get(order=order)
    assert payment.status == "paid" and payment.cleared_at is not None
    assert case.events.filter(verb="order_released").count() == 1

    # Stripe sends charge.succeeded for the same money: nothing is released twice.
    send_stripe(web, shop, dict(intent_succeeded(), id="evt_3QaRushPaid0002", type="charge.succeeded"))
    process_all()
    assert case.events.filter(verb="order_released").count() == 1


def test_a_held_order_is_released_when_paypal_completes_its_capture(web, shop, owner, paypal_integration):  # noqa: F811
    order = pending_order(shop, number="4002", reference="5TY05013RG002845M", method="paypal")
    case = held(order, owner)

    send_paypal(web, shop, capture_completed())
    [event] = process_all()

    assert event.status == InboundStatus.PROCESSED
    order.refresh_from_db()
    assert order.held_at is None
    assert case.events.filter(verb="order_released").exists()


def test_a_held_order_is_released_when_the_shop_sends_the_cleared_payment_through_the_api(api, shop, owner):
    payload = order_payload("4003")
    payload["payment"] = {"method": "personal_cheque", "status": "paid", "reference": "CHQ-4003"}
    assert api.post(ORDERS, payload, format="json").status_code in (200, 201)
    order = Order.objects.get(shop=shop, number="4003")
    case = held(order, owner)

    # The shop resends the order without news: it stays held.
    api.post(ORDERS, payload, format="json")
    order.refresh_from_db()
    assert order.held_at is not None

    payload["payment"]["cleared_at"] = "2026-11-06T08:00:00Z"
    assert api.post(ORDERS, payload, format="json").status_code in (200, 201)

    order.refresh_from_db()
    assert order.held_at is None
    assert case.events.filter(verb="order_released").exists()


def test_an_order_stays_held_while_one_of_its_payments_has_not_cleared(web, shop, owner, stripe):
    order = pending_order(shop, number="4004")
    Payment.objects.create(order=order, method="personal_cheque", status="paid", amount=Decimal("10.00"))
    held(order, owner)

    send_stripe(web, shop, intent_succeeded())
    process_all()

    order.refresh_from_db()
    assert order.held_at is not None


def test_another_shops_webhook_naming_our_payment_releases_nothing(web, shop, swedish_shop, owner, connect):
    """The attack: a shop connected to Postsale signs a Stripe event naming another shop's payment id."""
    order = pending_order(shop, number="4005")
    held(order, owner)
    connect("stripe", "whsec_other_shop", target_shop=swedish_shop)

    send_stripe(web, swedish_shop, intent_succeeded(), secret="whsec_other_shop")
    [event] = process_all()

    assert event.status == InboundStatus.IGNORED
    order.refresh_from_db()
    assert order.held_at is not None
    assert Payment.objects.get(order=order).cleared_at is None


def test_an_owner_who_marks_the_cheque_cleared_in_the_admin_releases_the_order(client, shop, owner):
    order = pending_order(shop, number="4006", reference="CHQ-4006", method="personal_cheque")
    case = held(order, owner)
    payment = Payment.objects.get(order=order)
    client.force_login(owner)

    response = client.post(
        f"/admin/orders/payment/{payment.pk}/change/",
        {
            "order": order.pk,
            "method": "personal_cheque",
            "status": "paid",
            "amount": "89.00",
            "reference": "CHQ-4006",
            "provider": "",
            "cleared_at_0": "2026-11-06",
            "cleared_at_1": "08:00:00",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    order.refresh_from_db()
    assert order.held_at is None
    assert case.events.filter(verb="order_released").exists()
