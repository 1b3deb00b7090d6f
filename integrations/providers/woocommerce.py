"""WooCommerce webhooks: `order.created` and `order.updated`.

Signature: `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw body,
keyed with the secret entered on the webhook. Duplicates: the topic, the
order's `id` and `date_modified_gmt` (see `identify`).
When a webhook is saved, WooCommerce first sends an unsigned ping whose form
body is just `webhook_id=N`; it must get a 2xx or the webhook is not activated.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from orders.models import PaymentMethod, PaymentStatus, Product

from ..services import order_sync
from . import (
    Ignored,
    MalformedBody,
    carrier_for,
    header,
    language_from_locale,
    money,
    parse_datetime,
    require,
    urgency,
    verify_base64_hmac,
)

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
KEPT_HEADERS = (
    "X-WC-Webhook-Topic",
    "X-WC-Webhook-Resource",
    "X-WC-Webhook-Event",
    "X-WC-Webhook-ID",
    "X-WC-Webhook-Delivery-ID",
    "X-WC-Webhook-Source",
    SIGNATURE_HEADER,
)
PING = re.compile(rb"^webhook_id=\d+$")
ORDER_TOPICS = {"order.created", "order.updated", "order.restored"}

STATUS = {
    "pending": PaymentStatus.PENDING,  # awaiting payment
    "on-hold": PaymentStatus.PENDING,  # awaiting a bank transfer or a cheque
    "processing": PaymentStatus.PAID,
    "completed": PaymentStatus.PAID,
    "refunded": PaymentStatus.PAID,
    "cancelled": PaymentStatus.CANCELLED,
    "failed": PaymentStatus.FAILED,
}
GATEWAYS = {
    "bacs": PaymentMethod.BANK_TRANSFER,
    "cheque": PaymentMethod.PERSONAL_CHEQUE,
    # Cash on delivery is, like an invoice, money that has not arrived when we ship.
    "cod": PaymentMethod.INVOICE,
    "ppcp-gateway": PaymentMethod.PAYPAL,
    "paypal": PaymentMethod.PAYPAL,
    "ppec_paypal": PaymentMethod.PAYPAL,
}
# Where multilingual plugins keep the language the buyer shopped in.
LANGUAGE_META_KEYS = ("wpml_language", "_wpml_language", "pll_language", "_locale", "language")
COUNTRY_LANGUAGE = {"DE": "de", "AT": "de", "CH": "de", "LI": "de", "SE": "sv", "AX": "sv"}


def is_ping(body: bytes, headers) -> bool:
    return not header(headers, SIGNATURE_HEADER) and bool(PING.match(body.strip()))


def verify(body: bytes, headers, integration) -> None:
    verify_base64_hmac(body, headers, integration.signing_secret, SIGNATURE_HEADER)


def identify(payload: dict, headers, body: bytes = b"") -> tuple[str, str]:
    """The event is the resource in one state: topic, its `id` and its `date_modified_gmt`.

    X-WC-Webhook-Delivery-ID cannot be it: WooCommerce makes it from the webhook
    id and the current second, so a bulk action sends several orders under one
    delivery ID, and it is not signed, so a replay could change it. A resource
    without a modification time is known by the SHA-256 of its signed body.
    """
    topic = header(headers, "X-WC-Webhook-Topic")
    if not topic:
        raise MalformedBody("Missing X-WC-Webhook-Topic.")
    require(payload, "id")
    if payload.get("date_modified_gmt"):
        return f"{topic}:{payload['id']}:{payload['date_modified_gmt']}", topic
    return f"sha256:{hashlib.sha256(body).hexdigest()}:{topic}", topic


def process(event, payload: dict) -> str:
    if event.topic not in ORDER_TOPICS:
        raise Ignored(f"Topic {event.topic} is not used by Postsale.")
    item = order_item(event.shop, payload)
    result = order_sync.order_apply(
        integration=event.integration,
        external_id=str(payload["id"]),
        item=item,
        source_updated_at=parse_datetime(payload.get("date_modified_gmt")),
    )
    return f"order {result.order.number} {'created' if result.created else 'updated'}"


def _meta(entries) -> dict:
    return {entry.get("key"): entry.get("value") for entry in entries or [] if isinstance(entry, dict)}


def order_item(shop, payload: dict) -> dict:
    billing = payload.get("billing") or {}
    shipping = payload.get("shipping") or {}
    if not (shipping.get("address_1") or shipping.get("city")):
        shipping = billing  # virtual goods or "ship to billing address"
    email = billing.get("email")
    if not email:
        raise Ignored("The order has no billing e-mail.")
    meta = _meta(payload.get("meta_data"))
    language = next((language_from_locale(meta[key]) for key in LANGUAGE_META_KEYS if meta.get(key)), "")
    language = language or COUNTRY_LANGUAGE.get((billing.get("country") or "").upper(), "")
    lines = payload.get("line_items") or []
    weights = _known_weights(shop, lines)
    total = money(payload.get("total"))
    item = {
        "shop": shop.slug,
        "number": str(payload.get("number") or payload["id"]),
        # WooCommerce's *_gmt fields are UTC without an offset.
        "placed_at": parse_datetime(payload.get("date_created_gmt") or payload.get("date_created")),
        "currency": payload.get("currency") or shop.currency,
        "subtotal": sum((money(line.get("subtotal")) for line in lines), Decimal("0.00")),
        "tax_total": money(payload.get("total_tax")),
        "shipping_total": money(payload.get("shipping_total")),
        "total": total,
        "sales_channel": f"woocommerce:{payload.get('created_via') or 'checkout'}"[:40],
        "ship_name": " ".join(p for p in (shipping.get("first_name"), shipping.get("last_name")) if p)[:200],
        "ship_line1": (shipping.get("address_1") or "")[:200],
        "ship_line2": (shipping.get("address_2") or "")[:200],
        "ship_postal_code": (shipping.get("postcode") or "")[:20],
        "ship_city": (shipping.get("city") or "")[:100],
        "ship_region": (shipping.get("state") or "")[:100],
        "ship_country": (shipping.get("country") or "")[:2],
        "buyer": {
            "email": email,
            "name": " ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p)[:200],
            "language": language,
        },
        "lines": [_line(line, weights) for line in lines if (line.get("quantity") or 0) > 0],
        "payment": _payment(payload, total),
        "shipments": _shipments(meta),
    }
    item.update(_urgency(shop, payload, meta, item["placed_at"]))
    return item


def _urgency(shop, payload: dict, meta: dict, placed_at) -> dict:
    """The buyer's date from a delivery-date plugin's meta or the customer note; rush from the shipping line.

    Only what the order says is returned: an order without a date leaves alone one
    that the buyer gave in the portal or an agent entered.
    """
    found = {}
    lines = [line for line in payload.get("shipping_lines") or [] if isinstance(line, dict)]
    if lines:
        found["shipping_speed"] = urgency.speed_from(
            part for line in lines for part in (line.get("method_title"), line.get("method_id"))
        )
    if placed_at is None:
        return found
    placed_on = timezone.localtime(placed_at, ZoneInfo(shop.time_zone)).date()
    known = (
        urgency.date_from_value(meta[key], placed_on=placed_on)
        for key in urgency.WOO_DATE_KEYS
        if meta.get(key)
    )
    needed_by = (
        next((day for day in known if day), None)
        # A plugin's visible field is named as the shop labelled it ("Lieferdatum", "Delivery Date").
        or urgency.date_from_fields(
            ((key, value) for key, value in meta.items() if not isinstance(value, dict | list)),
            placed_on=placed_on,
        )
        or urgency.date_in_text(payload.get("customer_note"), placed_on=placed_on)
    )
    if needed_by:
        found["needed_by"] = needed_by
    return found


def _sku(line: dict) -> str:
    return str(
        line.get("sku") or f"wc-{line.get('variation_id') or line.get('product_id') or line.get('id')}"
    )[:64]


def _known_weights(shop, lines) -> dict[str, int]:
    # WooCommerce order lines carry no weight; the product we know may.
    skus = {_sku(line) for line in lines}
    return dict(
        Product.objects.filter(shop=shop, sku__in=skus, unit_weight_g__gt=0).values_list(
            "sku", "unit_weight_g"
        )
    )


def _line(line: dict, weights: dict[str, int]) -> dict:
    quantity = int(line["quantity"])
    sku = _sku(line)
    return {
        "sku": sku,
        "title": str(line.get("name") or "")[:200],
        "quantity": quantity,
        # `price` is a float in the REST API; the subtotal string is exact.
        "unit_price": (money(line.get("subtotal")) / quantity).quantize(Decimal("0.01")),
        "unit_weight_g": weights.get(sku, 0),
        # Visible item meta is what the buyer entered on the product page (add-ons,
        # engraving fields); keys starting with "_" are the plugins' own.
        "personalisation": [
            {
                "label": str(entry.get("display_key") or entry.get("key"))[:100],
                "value": str(
                    entry.get("display_value")
                    if entry.get("display_value") is not None
                    else entry.get("value")
                ),
            }
            for entry in line.get("meta_data") or []
            if isinstance(entry, dict)
            and entry.get("key")
            and not str(entry["key"]).startswith("_")
            and not isinstance(entry.get("value"), dict | list)
        ],
    }


def _payment(payload: dict, total) -> dict:
    gateway = (payload.get("payment_method") or "").lower()
    method = GATEWAYS.get(gateway) or (
        PaymentMethod.PAYPAL
        if "paypal" in gateway
        else PaymentMethod.INVOICE
        if "invoice" in gateway or "klarna" in gateway
        else PaymentMethod.CARD
    )
    data = {
        "method": method,
        "status": STATUS.get(payload.get("status") or "", PaymentStatus.PENDING),
        "amount": total,
        "cleared_at": parse_datetime(payload.get("date_paid_gmt")),
    }
    # The gateway's id: a Stripe charge/PaymentIntent, a PayPal capture. Disputes match on it.
    if payload.get("transaction_id"):
        data["reference"] = str(payload["transaction_id"])[:120]
    return data


def _shipments(meta: dict) -> list[dict]:
    """Tracking added with the WooCommerce Shipment Tracking extension."""
    shipments = []
    for entry in meta.get("_wc_shipment_tracking_items") or []:
        if not isinstance(entry, dict) or not entry.get("tracking_number"):
            continue
        shipments.append(
            {
                "carrier": carrier_for(
                    entry.get("custom_tracking_provider") or entry.get("tracking_provider")
                ),
                "tracking_number": str(entry["tracking_number"])[:64],
                "shipped_at": parse_datetime(entry.get("date_shipped")),
            }
        )
    return shipments
