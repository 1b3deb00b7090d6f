"""Store credit as a Shopify gift card or a WooCommerce coupon: one credit makes exactly one there,
and its code reaches the buyer in the store-credit e-mail, once, when the shop has made it."""

from decimal import Decimal

import pytest
from django.core import mail

from cases.models import OutboundCall, OutboundStatus, Refund, RefundStatus
from cases.refunds import order_refundable_amount
from claims.services import claim_resolve
from messaging.models import OutboundMessage
from messaging.services.sending import outbox_send
from tests.factories import make_claim, make_order

from .fake_shops import (
    SHOPIFY_ORDER,
    SHOPIFY_TOKEN,
    WOO_KEY,
    WOO_ORDER,
    WOO_SECRET,
    FakeShopify,
    FakeWooCommerce,
)
from .test_shop_refunds import _served, _shop_order
from .test_stripe_refunds import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopify():
    yield from _served(FakeShopify())


@pytest.fixture
def woo():
    yield from _served(FakeWooCommerce())


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


def credit_12_50(case, owner) -> Refund:
    claim_resolve(case=case, action="store_credit", amount=Decimal("12.50"), actor=owner)
    return Refund.objects.get(case=case)


def credit_mails(case) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(case=case, event="refund_issued"))


def sent_text(message: OutboundMessage) -> str:
    """What the buyer reads: the e-mail as the outbox sends it."""
    outbox_send(message_id=message.pk)
    [sent] = [m for m in mail.outbox if m.to and message.to_email in m.to[0]]
    return sent.body


def test_store_credit_on_a_shopify_order_is_one_gift_card_whose_code_the_buyer_gets(
    client, owner, shopify_case, shopify
):
    refund = credit_12_50(shopify_case, owner)
    # Written with the credit, sent by the worker: the buyer hears nothing before Shopify made it.
    assert (refund.gateway, refund.status) == ("shopify", RefundStatus.SUBMITTED)
    assert shopify.requests == [] and credit_mails(shopify_case) == []

    deliver()
    deliver(later=3600)

    [card] = shopify.gift_cards
    call = OutboundCall.objects.get(refund=refund)
    assert card["initial_value"] == "12.50"
    assert call.idempotency_key in card["note"] and shopify_case.reference in card["note"]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.COMPLETED
    assert (refund.credit_code, refund.gateway_reference) == (card["code"], str(card["id"]))
    [message] = credit_mails(shopify_case)
    assert card["code"] in sent_text(message)
    # A voucher is no bank transfer: the mail does not tell the buyer to watch their account.
    assert "bank" not in sent_text(message).lower()
    # The agent reads the code on the case, for a buyer who lost the e-mail.
    client.force_login(owner)
    assert card["code"] in client.get(f"/desk/cases/{shopify_case.reference}/").content.decode()
    # Store credit counts against what the order can still give back, as before.
    assert order_refundable_amount(refund.order) == Decimal("30.80") - Decimal("12.50")


def test_a_shopify_500_then_success_is_still_one_gift_card_and_one_e_mail(owner, shopify_case, shopify):
    shopify.then("500")
    refund = credit_12_50(shopify_case, owner)

    [first] = deliver()
    assert first.retry_in is not None and shopify.gift_cards == []
    assert credit_mails(shopify_case) == []
    deliver(later=first.retry_in + 1)
    deliver(later=3600)

    [card] = shopify.gift_cards
    posted = shopify.posted("/gift_cards.json")
    assert len(posted) == 2
    assert posted[0]["body"]["gift_card"]["code"] == posted[1]["body"]["gift_card"]["code"] == card["code"]
    refund.refresh_from_db()
    assert refund.credit_code == card["code"]
    [message] = credit_mails(shopify_case)
    assert card["code"] in sent_text(message)


def test_a_gift_card_made_but_its_answer_lost_is_found_by_the_key_not_made_again(
    owner, shopify_case, shopify, settings
):
    settings.POSTSALE_OUTBOUND_TIMEOUT = 0.3
    shopify.then(("late", 1.0))
    refund = credit_12_50(shopify_case, owner)

    [first] = deliver()
    assert first.retry_in is not None and len(shopify.gift_cards) == 1
    deliver(later=first.retry_in + 1)

    # Shopify lists it without its code, but Postsale chose the code and knows it.
    assert len(shopify.gift_cards) == 1 and len(shopify.posted("/gift_cards.json")) == 1
    refund.refresh_from_db()
    assert (refund.status, refund.credit_code) == (RefundStatus.COMPLETED, shopify.gift_cards[0]["code"])
    assert len(credit_mails(shopify_case)) == 1


def test_store_credit_on_a_woocommerce_order_is_one_coupon_for_the_buyer_only(owner, woo_case, woo):
    woo.then("500")
    refund = credit_12_50(woo_case, owner)

    [first] = deliver()
    deliver(later=first.retry_in + 1)
    deliver(later=3600)

    [coupon] = woo.coupons
    call = OutboundCall.objects.get(refund=refund)
    assert call.status == OutboundStatus.SUCCEEDED
    assert (coupon["discount_type"], coupon["amount"], coupon["usage_limit"]) == ("fixed_cart", "12.50", 1)
    assert coupon["email_restrictions"] == [refund.order.buyer.email]
    assert call.idempotency_key in coupon["description"]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.COMPLETED and refund.credit_code == coupon["code"]
    [message] = credit_mails(woo_case)
    assert coupon["code"] in sent_text(message)


def test_a_refused_coupon_goes_back_to_an_agent_and_the_buyer_hears_nothing(owner, woo_case, woo):
    woo.then(
        (
            "refuse",
            400,
            {
                "code": "woocommerce_rest_invalid_coupon",
                "message": "Invalid coupon.",
                "data": {"status": 400},
            },
        )
    )
    refund = credit_12_50(woo_case, owner)
    deliver()

    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and refund.credit_code == ""
    assert woo.coupons == [] and credit_mails(woo_case) == []
    # The money is free again on the order.
    assert order_refundable_amount(refund.order) == Decimal("30.80")


def test_store_credit_stays_in_postsale_without_a_shop_integration_or_its_credentials(owner, shop, woo):
    plain = make_claim(make_order(shop, number="6101")).case
    refund = credit_12_50(plain, owner)
    assert (refund.gateway, refund.status) == ("manual", RefundStatus.PENDING)

    # A WooCommerce order whose integration has a key but no secret: booked in Postsale too.
    no_secret = _shop_order(shop, "woocommerce", "728", number="6102", api_key=WOO_KEY, api_url=woo.url)
    refund = credit_12_50(no_secret, owner)
    assert (refund.gateway, refund.status) == ("manual", RefundStatus.PENDING)
    assert not OutboundCall.objects.exists() and woo.requests == []
