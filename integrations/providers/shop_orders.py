"""Orders made, held, released and cancelled in Shopify and WooCommerce for Postsale's decisions.

Shopify (REST Admin API, `X-Shopify-Access-Token`): a replacement or exchange
is a draft order (`POST draft_orders.json`: the lines, the shipping address, a
note with the case's reference, a discount of all of it or of all but what the
buyer pays) completed with `PUT draft_orders/{id}/complete.json`
(`payment_pending=false` when nothing is to be paid). A hold is a hold on each
open fulfillment order (`fulfillment_orders/{id}/hold.json`), released with
`release_hold.json`; a cancel is `POST orders/{id}/cancel.json`.

WooCommerce (REST API v3, the consumer key and secret as HTTP Basic): an order
is `POST /wp-json/wc/v3/orders` in status processing (`set_paid` when nothing is
to be paid, the case's reference in `meta_data`); hold, release and cancel are
`PUT orders/{id}` with status on-hold, processing and cancelled.

Neither takes an idempotency key for orders, so the call's key goes into the
order (a note attribute, a meta entry) and a retry first looks for an order
carrying it: a 500 after the shop made the order does not make a second one.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from cases.models import OutboundCall
from cases.outbound import Answer, Refused, Transient, register_sender
from cases.shop_orders import (
    ORDER_CANCEL,
    ORDER_CREATE,
    ORDER_HOLD,
    ORDER_RELEASE,
    ShopSource,
    register_shop_source,
)
from orders.models import Order

from ..models import ExternalOrder, Integration, Source
from ..outbound import request

SHOPIFY_API_VERSION = "2025-01"
KEY_NAME = "postsale_idempotency_key"
CASE_NAME = "postsale_case"
CENT = Decimal("0.01")


def _integration(shop_id: int, source: str) -> Integration:
    integration = Integration.objects.filter(shop_id=shop_id, source=source, active=True).first()
    if integration is None or not integration.carrier_api_key or not integration.base_url:
        raise Refused(
            f"The shop's {source} integration has no API key or URL (configure_integration --api-key --api-url)."
        )
    return integration


def order_source(order: Order) -> ShopSource | None:
    """The shop system an order came from, when Postsale can act there (an active integration with a key)."""
    link = (
        ExternalOrder.objects.select_related("integration")
        .filter(
            order=order,
            integration__shop_id=order.shop_id,
            integration__active=True,
            integration__source__in=[Source.SHOPIFY, Source.WOOCOMMERCE],
        )
        .exclude(integration__api_key="")
        .order_by("-id")
        .first()
    )
    if link is None:
        return None
    return ShopSource(provider=link.integration.source, external_id=link.external_id)


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _gross(lines: list[dict]) -> Decimal:
    return sum((_money(line["unit_price"]) * int(line["quantity"]) for line in lines), Decimal("0"))


def _remember(call: OutboundCall, **values) -> None:
    """Keep what the shop made in an earlier attempt on the call, for the next attempt to carry on from."""
    call.payload = {**call.payload, **values}
    OutboundCall.objects.filter(pk=call.pk).update(payload=call.payload)


def _tried_before(call: OutboundCall) -> bool:
    """An earlier attempt, or an agent's "Try again" (which counts attempts from 0), may have made the order."""
    return call.attempts > 1 or bool(call.last_answer)


# --- Shopify ------------------------------------------------------------------------------


class Shopify:
    def __init__(self, call: OutboundCall):
        self.call = call
        self.integration = _integration(call.shop_id, Source.SHOPIFY)
        self.root = f"{self.integration.base_url}/admin/api/{SHOPIFY_API_VERSION}"
        self.headers = {"X-Shopify-Access-Token": self.integration.carrier_api_key}

    def __call__(self, method: str, path: str, body: dict | None = None, **kwargs) -> Answer:
        return request(method, f"{self.root}/{path}", json_body=body, headers=self.headers, **kwargs)


def shopify_create(call: OutboundCall) -> Answer:
    shopify = Shopify(call)
    payload = call.payload
    draft_id = payload.get("draft") or (_shopify_draft_made(shopify, call) if _tried_before(call) else "")
    if not draft_id:
        draft_id = _shopify_draft(shopify, call)
        _remember(call, draft=draft_id)
    draft = shopify("GET", f"draft_orders/{draft_id}.json").data.get("draft_order") or {}
    if draft.get("status") != "completed":
        pending = "true" if _money(payload["charge"]) > 0 else "false"
        draft = (
            shopify("PUT", f"draft_orders/{draft_id}/complete.json?payment_pending={pending}").data.get(
                "draft_order"
            )
            or {}
        )
    order_id = str(draft.get("order_id") or "")
    if not order_id:
        raise Transient("Shopify has not made the order from the draft yet.")
    answer = shopify("GET", f"orders/{order_id}.json")
    order = answer.data.get("order") or {}
    number = str(order.get("name") or order.get("order_number") or "").lstrip("#")
    return Answer(
        status_code=answer.status_code, body=answer.body, reference=order_id, data={"number": number}
    )


def _shopify_draft(shopify: Shopify, call: OutboundCall) -> str:
    payload = call.payload
    lines, charge = payload["lines"], _money(payload["charge"])
    address = payload["address"]
    gross = _gross(lines)
    discount = (
        {"value_type": "percentage", "value": "100.0", "title": "Postsale", "description": payload["case"]}
        if charge <= 0
        else {
            "value_type": "fixed_amount",
            "value": str(max(gross - charge, Decimal("0"))),
            "title": "Postsale",
            "description": payload["case"],
        }
    )
    draft = {
        "line_items": [
            {
                "title": line["title"] or line["sku"],
                "sku": line["sku"],
                "price": str(_money(line["unit_price"])),
                "quantity": int(line["quantity"]),
                "requires_shipping": True,
            }
            for line in lines
        ],
        "email": payload.get("email") or None,
        "shipping_address": {
            "name": address.get("name", ""),
            "address1": address.get("line1", ""),
            "address2": address.get("line2", ""),
            "zip": address.get("postal_code", ""),
            "city": address.get("city", ""),
            "province": address.get("region", ""),
            "country_code": address.get("country", ""),
        },
        "note": f"Postsale {payload['case']}: {payload['purpose']} for order {payload['original']}",
        "note_attributes": [
            {"name": CASE_NAME, "value": payload["case"]},
            {"name": KEY_NAME, "value": call.idempotency_key},
        ],
        "tags": "postsale",
        "applied_discount": discount,
        "currency": payload.get("currency") or None,
    }
    answer = shopify("POST", "draft_orders.json", {"draft_order": draft})
    draft_id = str((answer.data.get("draft_order") or {}).get("id") or "")
    if not draft_id:
        raise Transient("Shopify's answer names no draft order.")
    return draft_id


def _shopify_draft_made(shopify: Shopify, call: OutboundCall) -> str:
    """A draft an earlier attempt made though its answer was lost: found by the key in its note attributes."""
    since = (call.created_at - timedelta(minutes=5)).isoformat()
    answer = shopify("GET", "draft_orders.json?" + urlencode({"updated_at_min": since, "limit": 250}))
    for draft in answer.data.get("draft_orders") or []:
        for attribute in draft.get("note_attributes") or []:
            if attribute.get("name") == KEY_NAME and attribute.get("value") == call.idempotency_key:
                return str(draft["id"])
    return ""


def _shopify_fulfillment_orders(shopify: Shopify, order_id: str) -> list[dict]:
    answer = shopify("GET", f"orders/{order_id}/fulfillment_orders.json")
    return answer.data.get("fulfillment_orders") or []


def shopify_hold(call: OutboundCall) -> Answer:
    shopify = Shopify(call)
    order_id = call.payload["order"]
    held = []
    for fulfillment_order in _shopify_fulfillment_orders(shopify, order_id):
        # An earlier attempt may have held some already; closed ones are shipped or cancelled.
        if fulfillment_order.get("status") != "open":
            continue
        shopify(
            "POST",
            f"fulfillment_orders/{fulfillment_order['id']}/hold.json",
            {
                "fulfillment_hold": {
                    "reason": "awaiting_payment",
                    "reason_notes": f"Postsale: order {call.payload['number']} waits for its payment to clear.",
                }
            },
        )
        held.append(str(fulfillment_order["id"]))
    return Answer(status_code=200, body=f"held {', '.join(held) or 'nothing open'}", reference=order_id)


def shopify_release(call: OutboundCall) -> Answer:
    shopify = Shopify(call)
    order_id = call.payload["order"]
    released = []
    for fulfillment_order in _shopify_fulfillment_orders(shopify, order_id):
        if fulfillment_order.get("status") != "on_hold":
            continue
        shopify("POST", f"fulfillment_orders/{fulfillment_order['id']}/release_hold.json", {})
        released.append(str(fulfillment_order["id"]))
    return Answer(
        status_code=200, body=f"released {', '.join(released) or 'nothing held'}", reference=order_id
    )


def shopify_cancel(call: OutboundCall) -> Answer:
    shopify = Shopify(call)
    order_id = call.payload["order"]
    order = shopify("GET", f"orders/{order_id}.json").data.get("order") or {}
    if order.get("cancelled_at"):  # an earlier attempt did it, its answer lost
        return Answer(status_code=200, body="already cancelled", reference=order_id)
    answer = shopify("POST", f"orders/{order_id}/cancel.json", {"reason": "other", "email": False})
    return Answer(status_code=answer.status_code, body=answer.body, reference=order_id)


# --- WooCommerce --------------------------------------------------------------------------


class Woo:
    def __init__(self, call: OutboundCall):
        integration = _integration(call.shop_id, Source.WOOCOMMERCE)
        key, _, secret = integration.carrier_api_key.partition(":")
        if not secret:
            raise Refused("The WooCommerce API key must be 'consumer_key:consumer_secret'.")
        self.root = f"{integration.base_url}/wp-json/wc/v3"
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def __call__(self, method: str, path: str, body: dict | None = None) -> Answer:
        return request(method, f"{self.root}/{path}", json_body=body, headers=self.headers)


def woo_create(call: OutboundCall) -> Answer:
    woo = Woo(call)
    payload = call.payload
    if _tried_before(call):
        made = _woo_order_made(woo, call)
        if made is not None:
            return Answer(
                status_code=200,
                body="made by an earlier attempt",
                reference=str(made["id"]),
                data={"number": str(made.get("number") or made["id"])},
            )
    lines, charge = payload["lines"], _money(payload["charge"])
    gross = _gross(lines)
    address = payload["address"]
    first, _, last = (address.get("name") or "").partition(" ")
    items, left = [], charge
    for index, line in enumerate(lines):
        subtotal = _money(line["unit_price"]) * int(line["quantity"])
        # The buyer pays `charge`: spread over the lines, the last takes what rounding left.
        share = (
            left if index == len(lines) - 1 else (subtotal * charge / gross).quantize(CENT) if gross else 0
        )
        left -= share
        items.append(
            {
                "name": line["title"] or line["sku"],
                "quantity": int(line["quantity"]),
                "subtotal": str(subtotal),
                "total": str(_money(share)),
                "meta_data": [{"key": "sku", "value": line["sku"]}],
            }
        )
    body = {
        "status": "processing",
        "set_paid": charge <= 0,
        "currency": payload.get("currency") or "",
        "billing": {"email": payload.get("email") or ""},
        "shipping": {
            "first_name": first,
            "last_name": last,
            "address_1": address.get("line1", ""),
            "address_2": address.get("line2", ""),
            "postcode": address.get("postal_code", ""),
            "city": address.get("city", ""),
            "state": address.get("region", ""),
            "country": address.get("country", ""),
        },
        "line_items": items,
        "customer_note": f"Postsale {payload['case']}: {payload['purpose']} for order {payload['original']}",
        "meta_data": [
            {"key": CASE_NAME, "value": payload["case"]},
            {"key": KEY_NAME, "value": call.idempotency_key},
        ],
    }
    answer = woo("POST", "orders", body)
    return Answer(
        status_code=answer.status_code,
        body=answer.body,
        reference=answer.reference,
        data={"number": str(answer.data.get("number") or answer.reference)},
    )


def _woo_order_made(woo: Woo, call: OutboundCall) -> dict | None:
    since = (call.created_at - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")
    answer = request(
        "GET", f"{woo.root}/orders?" + urlencode({"after": since, "per_page": 100}), headers=woo.headers
    )
    try:
        found = json.loads(answer.body) if answer.body else []
    except ValueError:
        found = []
    for order in found if isinstance(found, list) else []:
        for entry in order.get("meta_data") or []:
            if entry.get("key") == KEY_NAME and entry.get("value") == call.idempotency_key:
                return order
    return None


def _woo_status(status: str):
    def send(call: OutboundCall) -> Answer:
        answer = Woo(call)("PUT", f"orders/{call.payload['order']}", {"status": status})
        return Answer(status_code=answer.status_code, body=answer.body, reference=call.payload["order"])

    return send


def register() -> None:
    register_shop_source(order_source)
    register_sender(ORDER_CREATE, Source.SHOPIFY, shopify_create)
    register_sender(ORDER_HOLD, Source.SHOPIFY, shopify_hold)
    register_sender(ORDER_RELEASE, Source.SHOPIFY, shopify_release)
    register_sender(ORDER_CANCEL, Source.SHOPIFY, shopify_cancel)
    register_sender(ORDER_CREATE, Source.WOOCOMMERCE, woo_create)
    register_sender(ORDER_HOLD, Source.WOOCOMMERCE, _woo_status("on-hold"))
    register_sender(ORDER_RELEASE, Source.WOOCOMMERCE, _woo_status("processing"))
    register_sender(ORDER_CANCEL, Source.WOOCOMMERCE, _woo_status("cancelled"))
