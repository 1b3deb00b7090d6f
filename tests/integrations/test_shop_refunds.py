"""Refunds through PayPal, Shopify and WooCommerce: one click makes exactly one refund there.

Each provider is a local HTTP fake (`fake_shops`) that answers as its API documents,
and can be told to answer late, 500 or refuse. The worker's task is run as the worker
runs it (`outbound_send`), `later` seconds from now when a retry is due.
"""

from decimal import Decimal

import pytest
from django.core.management import call_command

from cases.models import CaseStatus, OutboundCall, OutboundStatus, Refund, RefundStatus
from cases.refunds import order_refundable_amount
from claims.services import claim_resolve
from integrations.models import ExternalOrder, InboundStatus, Integration
from integrations.services import integration_configure
from tests.factories import make_claim, make_order

from .conftest import process_all
from .fake_shops import (
    PAYPAL_CLIENT_ID,
    PAYPAL_SECRET,
    SHOPIFY_ORDER,
    SHOPIFY_TOKEN,
    WOO_KEY,
    WOO_ORDER,
    WOO_SECRET,
    FakePayPal,
    FakeShopify,
    FakeWooCommerce,
)
from .test_paypal import WEBHOOK_ID, send_paypal
from .test_stripe_refunds import deliver, on_its_way

pytestmark = pytest.mark.django_db
CAPTURE = "2GG279541U471931P"


def _served(server):
    server.start()
    yield server
    server.stop()


@pytest.fixture
def paypal():
    yield from _served(FakePayPal())


@pytest.fixture
def shopify():
    yield from _served(FakeShopify())


@pytest.fixture
def woo():
    yield from _served(FakeWooCommerce())


@pytest.fixture
def paypal_case(shop, paypal, settings):
    settings.PAYPAL_CERTIFICATE_SOURCE = "tests.integrations.test_paypal.FakeCertificateSource"
    integration_configure(
        shop=shop,
        source="paypal",
        secret=WEBHOOK_ID,
        api_key=f"{PAYPAL_CLIENT_ID}:{PAYPAL_SECRET}",
        api_url=paypal.url,
    )
    order = make_order(
        shop, number="6001", payment={"method": "paypal", "status": "paid", "reference": CAPTURE}
    )
    return make_claim(order).case


def _shop_order(shop, source, external_id, *, number, api_key, api_url):
    integration = integration_configure(
        shop=shop, source=source, secret="s3cr3t", api_key=api_key, api_url=api_url
    )
    # Paid by card at the shop's own checkout: no reference Postsale could refund through.
    order = make_order(shop, number=number, payment={"method": "card", "status": "paid", "reference": ""})
    ExternalOrder.objects.create(integration=integration, external_id=external_id, order=order)
    return make_claim(order).case


@pytest.fixture
def shopify_case(shop, shopify):
    return _shop_order(
        shop, "shopify", SHOPIFY_ORDER, number="6002", api_key=SHOPIFY_TOKEN, api_url=shopify.url
    )


@pytest.fixture
def woo_case(shop, woo):
    return _shop_order(
        shop, "woocommerce", WOO_ORDER, number="6003", api_key=f"{WOO_KEY}:{WOO_SECRET}", api_url=woo.url
    )


def refund_10(case, owner):
    claim_resolve(case=case, action="refund", amount=Decimal("10.00"), actor=owner)
    return Refund.objects.get(case=case)


# --- PayPal ---------------------------------------------------------------------------


def test_one_click_makes_one_paypal_refund_with_a_token_and_the_request_id(
    client, owner, paypal_case, paypal
):
    client.force_login(owner)
    response = client.post(
        f"/desk/cases/{paypal_case.reference}/act/", {"action": "refund", "amount": "30.80"}
    )
    assert response.status_code == 302
    refund = Refund.objects.get(case=paypal_case)
    assert (refund.gateway, refund.status) == ("paypal", RefundStatus.SUBMITTED)
    assert paypal.requests == [] and on_its_way(paypal_case) == 0

    deliver()
    deliver(later=3600)

    [made] = paypal.refunds
    [sent] = paypal.posted("/refund")
    call = OutboundCall.objects.get(refund=refund)
    assert made["capture_id"] == CAPTURE
    assert made["amount"] == {"value": "30.80", "currency_code": "EUR"}
    assert sent["headers"]["paypal-request-id"] == call.idempotency_key
    assert sent["headers"]["authorization"].startswith("Bearer A21AA")
    refund.refresh_from_db()
    assert (refund.status, refund.gateway_reference) == (RefundStatus.COMPLETED, made["id"])
    assert on_its_way(paypal_case) == 1


def test_a_paypal_500_then_success_is_one_refund_with_the_same_request_id(owner, paypal_case, paypal):
    paypal.then("500")
    refund_10(paypal_case, owner)

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING
    deliver(later=3600)

    assert len(paypal.refunds) == 1
    ids = [r["headers"]["paypal-request-id"] for r in paypal.posted("/refund")]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert Refund.objects.get(case=paypal_case).status == RefundStatus.COMPLETED


def test_a_paypal_timeout_is_tried_again_and_paypal_still_refunds_once(owner, paypal_case, paypal, settings):
    settings.POSTSALE_OUTBOUND_TIMEOUT = 0.3
    paypal.then(("late", 1.0))
    refund_10(paypal_case, owner)
    deliver()
    deliver(later=3600)

    assert len(paypal.refunds) == 1 and len(paypal.posted("/refund")) == 2
    assert Refund.objects.get(case=paypal_case).status == RefundStatus.COMPLETED
    assert on_its_way(paypal_case) == 1


def test_paypal_refusing_puts_the_case_back_before_an_agent_with_paypals_words(
    client, owner, paypal_case, paypal
):
    paypal.then(
        (
            "refuse",
            422,
            {
                "name": "UNPROCESSABLE_ENTITY",
                "message": "The requested action could not be performed, semantically incorrect, or failed business validation.",
                "details": [
                    {
                        "issue": "CAPTURE_FULLY_REFUNDED",
                        "description": "The capture has already been fully refunded",
                    }
                ],
            },
        )
    )
    refund_10(paypal_case, owner)
    deliver()
    deliver(later=3600)

    refund = Refund.objects.get(case=paypal_case)
    paypal_case.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and paypal_case.status == CaseStatus.IN_PROGRESS
    assert order_refundable_amount(paypal_case.order) == paypal_case.order.total
    assert on_its_way(paypal_case) == 0
    reason = paypal_case.events.get(verb="outbound_failed").data["reason"]
    assert "already been fully refunded" in reason and "CAPTURE_FULLY_REFUNDED" in reason
    client.force_login(owner)
    assert (
        "already been fully refunded" in client.get(f"/desk/cases/{paypal_case.reference}/").content.decode()
    )


def test_wrong_paypal_credentials_are_refused_with_paypals_words(owner, paypal_case, paypal):
    integration = Integration.objects.get(source="paypal")
    integration.carrier_api_key = f"{PAYPAL_CLIENT_ID}:wrong"
    integration.save()
    refund_10(paypal_case, owner)
    deliver()

    assert paypal.refunds == []
    assert OutboundCall.objects.get().status == OutboundStatus.FAILED
    assert "Client Authentication failed" in paypal_case.events.get(verb="outbound_failed").data["reason"]


def test_a_paypal_token_that_expired_early_is_fetched_again_once(owner, paypal_case, paypal, shop):
    refund_10(paypal_case, owner)
    deliver()
    paypal.tokens.clear()  # PayPal forgot the token we keep in the cache
    other = make_claim(
        make_order(
            shop,
            number="6011",
            payment={"method": "paypal", "status": "paid", "reference": "3C679366HH908993F"},
        )
    ).case
    refund_10(other, owner)
    deliver()

    assert len(paypal.refunds) == 2
    assert len(paypal.posted("/v1/oauth2/token")) == 2
    assert Refund.objects.get(case=other).status == RefundStatus.COMPLETED


def paypal_refunded(made: dict, *, event_id="WH-1RF00000000000000-REFUNDED", status="COMPLETED"):
    return {
        "id": event_id,
        "create_time": "2026-05-04T16:01:30.000Z",
        "resource_type": "refund",
        "event_type": "PAYMENT.CAPTURE.REFUNDED",
        "resource": dict(made, status=status),
    }


def test_paypals_webhook_completes_a_pending_refund_and_the_buyer_hears_once(web, owner, paypal_case, paypal):
    paypal.refund_status = "PENDING"
    refund_10(paypal_case, owner)
    deliver()
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.ACCEPTED and on_its_way(paypal_case) == 1

    assert send_paypal(web, paypal_case.shop, paypal_refunded(paypal.refunds[0])).status_code == 200
    [processed] = process_all()

    assert processed.status == InboundStatus.PROCESSED, processed.error
    refund.refresh_from_db()
    assert refund.status == RefundStatus.COMPLETED and refund.completed_at is not None
    assert on_its_way(paypal_case) == 1


def test_paypals_webhook_can_come_before_the_answer_is_stored(web, owner, paypal_case):
    refund = refund_10(paypal_case, owner)
    made = {"id": "0P6190432A3581415", "custom_id": f"postsale:{refund.pk}", "status": "COMPLETED"}
    send_paypal(web, paypal_case.shop, paypal_refunded(made))
    process_all()

    refund.refresh_from_db()
    assert (refund.status, refund.gateway_reference) == (RefundStatus.COMPLETED, made["id"])
    assert on_its_way(paypal_case) == 1


def test_a_paypal_webhook_naming_another_shops_refund_moves_nothing(web, owner, paypal_case, swedish_shop):
    other = make_claim(
        make_order(swedish_shop, payment={"method": "paypal", "status": "paid", "reference": "9XX0"})
    ).case
    claim_resolve(case=other, action="refund", amount=Decimal("10.00"), actor=None)
    theirs = Refund.objects.get(case=other)
    made = {"id": "0P6190432A3581499", "custom_id": f"postsale:{theirs.pk}", "status": "COMPLETED"}

    send_paypal(web, paypal_case.shop, paypal_refunded(made))
    [processed] = process_all()

    assert processed.status == InboundStatus.IGNORED
    theirs.refresh_from_db()
    assert theirs.status == RefundStatus.PENDING and theirs.gateway_reference == ""


# --- Shopify --------------------------------------------------------------------------


def test_one_click_makes_one_shopify_refund_on_the_orders_capture(client, owner, shopify_case, shopify):
    client.force_login(owner)
    client.post(f"/desk/cases/{shopify_case.reference}/act/", {"action": "refund", "amount": "30.80"})
    refund = Refund.objects.get(case=shopify_case)
    assert (refund.gateway, refund.status) == ("shopify", RefundStatus.SUBMITTED)

    deliver()
    deliver(later=3600)

    [made] = shopify.refunds
    [sent] = shopify.posted("refunds.json")
    assert sent["headers"]["x-shopify-access-token"] == SHOPIFY_TOKEN
    assert f"/orders/{SHOPIFY_ORDER}/refunds.json" in sent["path"]
    [transaction] = sent["body"]["refund"]["transactions"]
    assert transaction == {
        "parent_id": 389404470,
        "amount": "30.80",
        "kind": "refund",
        "gateway": "shopify_payments",
    }
    refund.refresh_from_db()
    assert (refund.status, refund.gateway_reference) == (RefundStatus.COMPLETED, str(made["id"]))
    assert on_its_way(shopify_case) == 1


def test_a_shopify_500_then_success_is_one_refund_carrying_the_same_key(owner, shopify_case, shopify):
    shopify.then("500")
    refund_10(shopify_case, owner)
    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING
    deliver(later=3600)

    assert len(shopify.refunds) == 1
    key = OutboundCall.objects.get().idempotency_key
    notes = [r["body"]["refund"]["note"] for r in shopify.posted("refunds.json")]
    assert len(notes) == 2 and all(key in note for note in notes)
    assert Refund.objects.get(case=shopify_case).status == RefundStatus.COMPLETED


def test_a_shopify_refund_made_but_answered_too_late_is_found_not_made_again(
    owner, shopify_case, shopify, settings
):
    settings.POSTSALE_OUTBOUND_TIMEOUT = 0.3
    shopify.then(("late", 1.0))
    refund_10(shopify_case, owner)
    deliver()
    deliver(later=3600)

    # Shopify has no idempotency key: the retry reads the order's refunds and finds its own.
    assert len(shopify.refunds) == 1 and len(shopify.posted("refunds.json")) == 1
    refund = Refund.objects.get(case=shopify_case)
    assert (refund.status, refund.gateway_reference) == (
        RefundStatus.COMPLETED,
        str(shopify.refunds[0]["id"]),
    )
    assert on_its_way(shopify_case) == 1


def test_shopify_refusing_puts_the_case_back_before_an_agent(owner, shopify_case, shopify):
    shopify.then(
        ("refuse", 422, {"errors": {"base": ["Refund amount cannot be greater than refundable amount"]}})
    )
    refund_10(shopify_case, owner)
    deliver()
    deliver(later=3600)

    shopify_case.refresh_from_db()
    assert Refund.objects.get().status == RefundStatus.FAILED
    assert shopify_case.status == CaseStatus.IN_PROGRESS and on_its_way(shopify_case) == 0
    assert "greater than refundable amount" in shopify_case.events.get(verb="outbound_failed").data["reason"]


# --- WooCommerce ----------------------------------------------------------------------


def test_one_click_makes_one_woocommerce_refund_through_the_payment_gateway(owner, woo_case, woo):
    refund = refund_10(woo_case, owner)
    assert refund.gateway == "woocommerce"
    deliver()
    deliver(later=3600)

    [made] = woo.refunds
    [sent] = woo.posted("/refunds")
    assert sent["body"]["amount"] == "10.00" and sent["body"]["api_refund"] is True
    assert sent["headers"]["authorization"].startswith("Basic ")
    refund.refresh_from_db()
    assert (refund.status, refund.gateway_reference) == (RefundStatus.COMPLETED, str(made["id"]))
    assert on_its_way(woo_case) == 1


def test_a_woocommerce_500_then_success_is_one_refund_carrying_the_same_key(owner, woo_case, woo):
    woo.then("500")
    refund_10(woo_case, owner)
    deliver()
    deliver(later=3600)

    assert len(woo.refunds) == 1
    key = OutboundCall.objects.get().idempotency_key
    sent = [r["body"]["meta_data"][0]["value"] for r in woo.posted("/refunds")]
    assert sent == [key, key]
    assert Refund.objects.get(case=woo_case).status == RefundStatus.COMPLETED


def test_a_woocommerce_refund_answered_too_late_is_found_not_made_again(owner, woo_case, woo, settings):
    settings.POSTSALE_OUTBOUND_TIMEOUT = 0.3
    woo.then(("late", 1.0))
    refund_10(woo_case, owner)
    deliver()
    deliver(later=3600)

    assert len(woo.refunds) == 1 and len(woo.posted("/refunds")) == 1
    assert Refund.objects.get(case=woo_case).status == RefundStatus.COMPLETED


def test_woocommerce_refusing_puts_the_case_back_before_an_agent(owner, woo_case, woo):
    woo.then(
        (
            "refuse",
            400,
            {
                "code": "woocommerce_rest_invalid_order_refund",
                "message": "Invalid refund amount.",
                "data": {"status": 400},
            },
        )
    )
    refund_10(woo_case, owner)
    deliver()

    woo_case.refresh_from_db()
    assert Refund.objects.get().status == RefundStatus.FAILED and woo_case.status == CaseStatus.IN_PROGRESS
    assert "Invalid refund amount." in woo_case.events.get(verb="outbound_failed").data["reason"]


def test_a_woocommerce_500_from_its_payment_plugin_is_a_refusal_not_tried_again(owner, woo_case, woo):
    woo.then(
        (
            "refuse",
            500,
            {
                "code": "woocommerce_rest_cannot_create_order_refund",
                "message": "Refund failed: the charge has been disputed.",
                "data": {"status": 500},
            },
        )
    )
    refund_10(woo_case, owner)
    deliver()
    deliver(later=3600)

    assert len(woo.posted("/refunds")) == 1 and woo.refunds == []
    assert Refund.objects.get().status == RefundStatus.FAILED
    assert "charge has been disputed" in woo_case.events.get(verb="outbound_failed").data["reason"]


# --- which gateway --------------------------------------------------------------------


def test_a_shop_order_without_api_credentials_is_refunded_by_hand(owner, shop):
    integration = integration_configure(shop=shop, source="shopify", secret="s3cr3t")
    order = make_order(shop, payment={"method": "card", "status": "paid", "reference": ""})
    ExternalOrder.objects.create(integration=integration, external_id=SHOPIFY_ORDER, order=order)
    assert refund_10(make_claim(order).case, owner).gateway == "manual"
    assert not OutboundCall.objects.exists()


def test_a_named_provider_the_shop_gave_no_credentials_is_refunded_by_hand(owner, shop, woo):
    integration_configure(shop=shop, source="woocommerce", secret="s3cr3t", api_key=WOO_KEY, api_url=woo.url)
    order = make_order(
        shop, payment={"method": "card", "status": "paid", "reference": "x", "provider": "woocommerce"}
    )
    assert order.payments.get().provider == "woocommerce"
    # A consumer key without its secret, and no order id at WooCommerce: nothing to send.
    assert refund_10(make_claim(order).case, owner).gateway == "manual"


def test_a_shopify_order_paid_through_shopify_payments_is_refunded_by_shopify_not_the_shops_stripe(
    owner, shop, shopify
):
    from .fake_stripe import API_KEY

    integration_configure(shop=shop, source="stripe", secret="whsec_x", api_key=API_KEY, api_url=shopify.url)
    integration = integration_configure(
        shop=shop, source="shopify", secret="s3cr3t", api_key=SHOPIFY_TOKEN, api_url=shopify.url
    )
    order = make_order(shop, payment={"method": "card", "status": "paid", "reference": "pi_3ShopifyPayments"})
    ExternalOrder.objects.create(integration=integration, external_id=SHOPIFY_ORDER, order=order)
    assert refund_10(make_claim(order).case, owner).gateway == "shopify"


def test_another_shops_shopify_cannot_refund_our_order(owner, shop, swedish_shop, shopify):
    theirs = integration_configure(
        shop=swedish_shop, source="shopify", secret="s3cr3t", api_key=SHOPIFY_TOKEN, api_url=shopify.url
    )
    order = make_order(shop, payment={"method": "card", "status": "paid", "reference": ""})
    ExternalOrder.objects.create(integration=theirs, external_id=SHOPIFY_ORDER, order=order)
    assert refund_10(make_claim(order).case, owner).gateway == "manual"


def test_configure_integration_seals_an_id_and_secret_together(shop):
    call_command(
        "configure_integration",
        shop=shop.slug,
        source="paypal",
        secret=WEBHOOK_ID,
        api_key=PAYPAL_CLIENT_ID,
        api_secret=PAYPAL_SECRET,
    )
    integration = Integration.objects.get(shop=shop, source="paypal")
    assert PAYPAL_SECRET not in integration.api_key
    assert integration.api_credentials == (PAYPAL_CLIENT_ID, PAYPAL_SECRET)
    assert integration.base_url == "https://api-m.paypal.com"
