"""Store credit as a Shopify gift card or a WooCommerce coupon, for an order that came from that shop.

An order that came from Shopify or WooCommerce (an `ExternalOrder` of that
integration), whose integration has the API credentials, gets its store credit
made in the shop: the buyer can spend it at the shop's checkout. Any other
order's store credit stays booked in Postsale, as before (PayPal has none).

The code is chosen by Postsale when the credit is written and sent with every
attempt: a Shopify gift card takes our `code` (Shopify shows it only once, on
creation), a WooCommerce coupon's code is ours anyway. Neither API takes an
idempotency key, so the key goes into the gift card's `note` or the coupon's
`description`, and every attempt first looks for one that carries it: a retry
after a timeout, when the shop made it but the answer was lost, finds it and
makes no second one.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from cases.gateways import GatewayResult, register_credit_gateway
from cases.models import OutboundCall, Refund, RefundStatus
from cases.outbound import Answer, Refused, outbound_enqueue, register_sender
from config.errors import Conflict
from orders.models import Order

from ..models import Integration, Source
from ..outbound import basic_auth, request
from .shop_refunds import SHOPIFY_API_VERSION, _amount, _external_id, _has_credentials, _integration

# Readable: no 0/O, 1/I/L that a buyer would mistype from an e-mail.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # Shopify takes 8 to 20 letters and digits


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _key(refund: Refund) -> str:
    return f"postsale-credit-{refund.pk}-{secrets.token_hex(8)}"


class _CreditGateway:
    name = ""
    source = ""
    pair = False

    def integration(self, shop_id: int) -> Integration | None:
        return _integration(shop_id, self.source)

    def takes(self, order: Order) -> bool:
        return _has_credentials(self.integration(order.shop_id), pair=self.pair) and bool(
            _external_id(order, self.source)
        )

    def recognises(self, payment) -> bool:
        return False  # store credit only: never a refund to the payment

    def submit(self, refund: Refund) -> GatewayResult:
        outbound_enqueue(
            shop_id=refund.order.shop_id,
            case=refund.case,
            refund=refund,
            kind="credit.create",
            provider=self.name,
            idempotency_key=_key(refund),
            payload={"code": new_code(), "email": refund.order.buyer.email},
        )
        return GatewayResult(status=RefundStatus.SUBMITTED)

    def confirm(self, refund: Refund, reference: str) -> GatewayResult:
        raise Conflict(f"{self.name} confirms its store credit itself.", code="invalid_transition")


class ShopifyCreditGateway(_CreditGateway):
    name = source = Source.SHOPIFY.value


class WooCommerceCreditGateway(_CreditGateway):
    name = source = Source.WOOCOMMERCE.value
    pair = True


def _parts(call: OutboundCall, source: str, *, pair: bool) -> tuple[Integration, Refund, str]:
    integration = _integration(call.shop_id, source)
    if not _has_credentials(integration, pair=pair):
        needs = "--api-key ID:SECRET" if pair else "--api-key and --api-url"
        raise Refused(
            f"The shop's {source} integration has no API credentials (configure_integration {needs})."
        )
    refund = Refund.objects.select_related("case").get(pk=call.refund_id)
    return integration, refund, str(call.payload.get("code") or "")


def _made(answer: Answer, *, reference: str, code: str) -> Answer:
    return Answer(
        status_code=answer.status_code,
        body=answer.body,
        reference=reference,
        data={"status": "succeeded", "code": code},
    )


def send_shopify_gift_card(call: OutboundCall) -> Answer:
    integration, refund, code = _parts(call, Source.SHOPIFY, pair=False)
    base = f"{integration.base_url}/admin/api/{SHOPIFY_API_VERSION}/gift_cards.json"
    headers = {"X-Shopify-Access-Token": integration.api_credentials[0]}
    earlier = request("GET", f"{base}?{urlencode({'limit': 250})}", headers=headers)
    for card in earlier.data.get("gift_cards") or []:
        if isinstance(card, dict) and call.idempotency_key in str(card.get("note") or ""):
            return _made(earlier, reference=str(card.get("id") or ""), code=code)
    body = {
        "gift_card": {
            "initial_value": _amount(refund.amount, refund.currency),
            "code": code,
            "note": f"Postsale {refund.case.reference} ({call.idempotency_key})",
        }
    }
    answer = request("POST", base, json_body=body, headers=headers)
    card = answer.data.get("gift_card") if isinstance(answer.data.get("gift_card"), dict) else {}
    return _made(answer, reference=str(card.get("id") or ""), code=str(card.get("code") or code))


def send_woocommerce_coupon(call: OutboundCall) -> Answer:
    integration, refund, code = _parts(call, Source.WOOCOMMERCE, pair=True)
    url = f"{integration.base_url}/wp-json/wc/v3/coupons"
    headers = {"Authorization": basic_auth(*integration.api_credentials)}
    earlier = request("GET", f"{url}?{urlencode({'code': code})}", headers=headers)
    for coupon in earlier.data.get("items") or []:
        if isinstance(coupon, dict) and call.idempotency_key in str(coupon.get("description") or ""):
            return _made(earlier, reference=str(coupon.get("id") or ""), code=str(coupon.get("code") or code))
    body = {
        "code": code,
        "discount_type": "fixed_cart",
        "amount": _amount(refund.amount, refund.currency),
        "individual_use": False,
        "usage_limit": 1,
        "email_restrictions": [email] if (email := str(call.payload.get("email") or "")) else [],
        "description": f"Postsale {refund.case.reference} ({call.idempotency_key})",
    }
    answer = request("POST", url, json_body=body, headers=headers)
    return _made(answer, reference=answer.reference, code=str(answer.data.get("code") or code))


CREDIT_GATEWAYS = (
    (ShopifyCreditGateway(), send_shopify_gift_card),
    (WooCommerceCreditGateway(), send_woocommerce_coupon),
)


def register() -> None:
    for gateway, sender in CREDIT_GATEWAYS:
        register_credit_gateway(gateway)
        register_sender("credit.create", gateway.name, sender)
