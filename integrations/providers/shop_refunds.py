"""Refunds through PayPal, Shopify and WooCommerce: the gateways that send them, and the requests that make one.

Each is an outbound call (`cases.outbound`) sent by the worker with the key fixed
when the refund was written; none is ever made in the agent's web request.

- **PayPal**: an OAuth2 token for the integration's client id and secret
  (`POST /v1/oauth2/token`, kept in the cache until shortly before it expires),
  then `POST /v2/payments/captures/{capture}/refund` with the call's key as
  `PayPal-Request-Id`: PayPal answers a repeated id with the refund it made the
  first time. `PAYMENT.CAPTURE.REFUNDED` (`providers.paypal`) completes it.
- **Shopify** and **WooCommerce** take no idempotency key on refunds, so the key
  goes into the refund itself (Shopify's `note`, a WooCommerce `meta_data`
  entry) and every attempt first reads the order's refunds: one that carries the
  key is the answer, and nothing is posted again. A retry after a timeout, when
  the shop made the refund but the answer was lost, so finds it.

Which orders they take (`recognises`, for a payment that names no provider):
an order that came from Shopify or WooCommerce (an `ExternalOrder` of that
integration) is refunded by that shop system; a PayPal payment by PayPal. Each
only when the shop's integration has the API credentials it needs.
"""

from __future__ import annotations

import hashlib
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache

from cases.gateways import GatewayResult, refunded_payment
from cases.models import OutboundCall, Refund, RefundStatus
from cases.outbound import Answer, Refused, Transient, outbound_enqueue
from config.errors import Conflict
from orders.models import Order, Payment, PaymentMethod

from ..models import ExternalOrder, Integration, Source
from ..outbound import basic_auth, request

SHOPIFY_API_VERSION = "2025-01"
# PayPal takes these currencies in whole units only (https://developer.paypal.com/reference/currency-codes/).
PAYPAL_WHOLE_UNITS = {"HUF", "JPY", "TWD"}
TOKEN_MARGIN_SECONDS = 120
WOO_KEY_META = "_postsale_idempotency_key"
WOO_REFUND_FAILED = "woocommerce_rest_cannot_create_order_refund"


def _integration(shop_id: int, source: str) -> Integration | None:
    return Integration.objects.filter(shop_id=shop_id, source=source, active=True).first()


def _has_credentials(integration: Integration | None, *, pair: bool) -> bool:
    if integration is None or not integration.base_url:
        return False
    user, password = integration.api_credentials
    return bool(user and (password or not pair))


def _external_id(order: Order, source: str) -> str:
    link = (
        ExternalOrder.objects.filter(
            order=order, integration__shop_id=order.shop_id, integration__source=source
        )
        .order_by("id")
        .first()
    )
    return link.external_id if link else ""


def _key(refund: Refund) -> str:
    # Fixed now and sent with every attempt; the random part keeps two databases
    # (a restored backup, a test run) from ever sharing a key at one account.
    return f"postsale-refund-{refund.pk}-{secrets.token_hex(8)}"


class _Gateway:
    name = ""
    source = ""
    pair = False  # the credentials are an id and a secret

    def integration(self, shop_id: int) -> Integration | None:
        return _integration(shop_id, self.source)

    def ready_for(self, payment: Payment) -> bool:
        """A payment that names this provider: refunded here if the shop gave the credentials, else by hand."""
        return _has_credentials(self.integration(payment.order.shop_id), pair=self.pair) and bool(
            self.target(payment)
        )

    def target(self, payment: Payment) -> str:
        raise NotImplementedError

    def submit(self, refund: Refund) -> GatewayResult:
        payment = refunded_payment(refund.order)
        outbound_enqueue(
            shop_id=refund.order.shop_id,
            case=refund.case,
            refund=refund,
            kind="refund.create",
            provider=self.name,
            idempotency_key=_key(refund),
            payload={"target": self.target(payment) if payment else ""},
        )
        return GatewayResult(status=RefundStatus.SUBMITTED)

    def confirm(self, refund: Refund, reference: str) -> GatewayResult:
        raise Conflict(f"{self.name} confirms its refunds itself.", code="invalid_transition")


class ShopGateway(_Gateway):
    """A shop system refunds the orders it took: the order's id there is the target."""

    def target(self, payment: Payment) -> str:
        return _external_id(payment.order, self.source)

    def recognises(self, payment: Payment) -> bool:
        return self.ready_for(payment)


class ShopifyGateway(ShopGateway):
    name = source = Source.SHOPIFY.value


class WooCommerceGateway(ShopGateway):
    name = source = Source.WOOCOMMERCE.value
    pair = True


class PayPalGateway(_Gateway):
    """The capture id the shop stored as the payment's reference is what PayPal refunds."""

    name = source = Source.PAYPAL.value
    pair = True

    def target(self, payment: Payment) -> str:
        return payment.reference

    def recognises(self, payment: Payment) -> bool:
        return payment.method == PaymentMethod.PAYPAL and self.ready_for(payment)


# --- the requests ---------------------------------------------------------------------


def _call_parts(call: OutboundCall, source: str, *, pair: bool) -> tuple[Integration, Refund, str]:
    integration = _integration(call.shop_id, source)
    if not _has_credentials(integration, pair=pair):
        needs = "--api-key ID:SECRET" if pair else "--api-key and --api-url"
        raise Refused(
            f"The shop's {source} integration has no API credentials (configure_integration {needs})."
        )
    target = str(call.payload.get("target") or "")
    if not target:
        raise Refused(f"The order has no {source} id to refund.")
    refund = Refund.objects.select_related("case").get(pk=call.refund_id)
    return integration, refund, target


def _amount(amount: Decimal, currency: str) -> str:
    places = Decimal("1") if currency.upper() in PAYPAL_WHOLE_UNITS else Decimal("0.01")
    return str(amount.quantize(places, rounding=ROUND_HALF_UP))


def _answer(answer: Answer, *, reference: str, status: str, data: dict | None = None) -> Answer:
    return Answer(
        status_code=answer.status_code,
        body=answer.body,
        reference=reference,
        data={**(data or {}), "status": status},
    )


def _paypal_token(integration: Integration, *, fresh: bool = False) -> str:
    client_id, secret = integration.api_credentials
    cache_key = (
        "paypal-token:" + hashlib.sha256(f"{integration.base_url}|{client_id}|{secret}".encode()).hexdigest()
    )
    token = None if fresh else cache.get(cache_key)
    if token:
        return token
    answer = request(
        "POST",
        f"{integration.base_url}/v1/oauth2/token",
        form={"grant_type": "client_credentials"},
        headers={"Authorization": basic_auth(client_id, secret)},
    )
    token = str(answer.data.get("access_token") or "")
    if not token:
        raise Transient("PayPal gave no access token.")
    lifetime = int(answer.data.get("expires_in") or 0) - TOKEN_MARGIN_SECONDS
    if lifetime > 0:
        cache.set(cache_key, token, lifetime)
    return token


PAYPAL_STATES = {"COMPLETED": "succeeded", "PENDING": "pending", "FAILED": "failed", "CANCELLED": "failed"}


def send_paypal_refund(call: OutboundCall) -> Answer:
    integration, refund, capture = _call_parts(call, Source.PAYPAL, pair=True)
    body = {
        "amount": {
            "value": _amount(refund.amount, refund.currency),
            "currency_code": refund.currency.upper(),
        },
        # Found again by the webhook when it comes before the answer is stored.
        "custom_id": f"postsale:{refund.pk}",
        "note_to_payer": refund.case.reference,
    }
    url = f"{integration.base_url}/v2/payments/captures/{capture}/refund"
    for fresh in (False, True):
        headers = {
            "Authorization": f"Bearer {_paypal_token(integration, fresh=fresh)}",
            "PayPal-Request-Id": call.idempotency_key,
            "Prefer": "return=representation",
        }
        try:
            answer = request("POST", url, json_body=body, headers=headers)
        except Refused as exc:
            if exc.status_code == 401 and not fresh:
                continue  # the cached token expired early: one more try with a new one
            raise
        break
    state = PAYPAL_STATES.get(str(answer.data.get("status") or "").upper(), "pending")
    return _answer(answer, reference=answer.reference, status=state)


def _shopify_headers(integration: Integration) -> dict:
    return {"X-Shopify-Access-Token": integration.api_credentials[0]}


def _shopify_state(refund: dict) -> str:
    states = {str(t.get("status") or "") for t in refund.get("transactions") or [] if isinstance(t, dict)}
    if "success" in states:
        return "succeeded"
    if states & {"failure", "error"} and not states & {"pending"}:
        return "failed"
    return "pending"


def send_shopify_refund(call: OutboundCall) -> Answer:
    integration, refund, order_id = _call_parts(call, Source.SHOPIFY, pair=False)
    base = f"{integration.base_url}/admin/api/{SHOPIFY_API_VERSION}/orders/{order_id}"
    headers = _shopify_headers(integration)
    made = request("GET", f"{base}/refunds.json", headers=headers)
    for earlier in made.data.get("refunds") or []:
        if isinstance(earlier, dict) and call.idempotency_key in str(earlier.get("note") or ""):
            return _answer(made, reference=str(earlier.get("id") or ""), status=_shopify_state(earlier))
    transactions = request("GET", f"{base}/transactions.json", headers=headers).data.get("transactions") or []
    parents = [
        t
        for t in transactions
        if isinstance(t, dict) and t.get("kind") in ("sale", "capture") and t.get("status") == "success"
    ]
    if not parents:
        raise Refused(f"Shopify order {order_id} has no successful sale or capture to refund.")
    parent = parents[0]
    body = {
        "refund": {
            "currency": refund.currency.upper(),
            "notify": False,  # Postsale tells the buyer itself, in the case's language
            "note": f"Postsale {refund.case.reference} ({call.idempotency_key})",
            "transactions": [
                {
                    "parent_id": parent["id"],
                    "amount": _amount(refund.amount, refund.currency),
                    "kind": "refund",
                    "gateway": parent.get("gateway") or "",
                }
            ],
        }
    }
    answer = request("POST", f"{base}/refunds.json", json_body=body, headers=headers)
    made_now = answer.data.get("refund") if isinstance(answer.data.get("refund"), dict) else {}
    return _answer(answer, reference=str(made_now.get("id") or ""), status=_shopify_state(made_now))


def _woo_state(refund: dict) -> str:
    return "succeeded" if refund.get("refunded_payment") else "pending"


def send_woocommerce_refund(call: OutboundCall) -> Answer:
    integration, refund, order_id = _call_parts(call, Source.WOOCOMMERCE, pair=True)
    url = f"{integration.base_url}/wp-json/wc/v3/orders/{order_id}/refunds"
    headers = {"Authorization": basic_auth(*integration.api_credentials)}
    made = request("GET", url, headers=headers)
    for earlier in made.data.get("items") or []:
        meta = earlier.get("meta_data") if isinstance(earlier, dict) else None
        if any(m.get("key") == WOO_KEY_META and m.get("value") == call.idempotency_key for m in meta or []):
            return _answer(made, reference=str(earlier.get("id") or ""), status=_woo_state(earlier))
    body = {
        "amount": _amount(refund.amount, refund.currency),
        "reason": f"Postsale {refund.case.reference}",
        "api_refund": True,
        "meta_data": [{"key": WOO_KEY_META, "value": call.idempotency_key}],
    }
    try:
        answer = request("POST", url, json_body=body, headers=headers)
    except Transient as exc:
        # WooCommerce answers 500 when its payment plugin would not refund (the refund is then
        # deleted again): asking again will not change that, an agent must look.
        if exc.status_code == 500 and WOO_REFUND_FAILED in exc.message:
            raise Refused(exc.message, status_code=exc.status_code) from exc
        raise
    return _answer(answer, reference=answer.reference, status=_woo_state(answer.data))


SHOP_GATEWAYS = (
    (ShopifyGateway(), send_shopify_refund),
    (WooCommerceGateway(), send_woocommerce_refund),
)
PAYPAL_GATEWAY = (PayPalGateway(), send_paypal_refund)
