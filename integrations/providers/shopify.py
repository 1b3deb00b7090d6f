"""Shopify webhooks: orders, fulfilments and payment transactions.

Signature: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body,
keyed with the app's client secret, and of nothing else: every header (topic,
webhook id, event id, triggered-at) is unsigned and can be changed by whoever
replays a captured delivery. So duplicates are recognised by the SHA-256 of
the signed body, with the topic: Shopify retries with the original body, and
what its guide says duplicates share (`X-Shopify-Event-Id`) would let a replay
with a new event id through.

Age: the signed body carries no delivery time, and Shopify retries the original
body for 4 hours, so there is no five-minute window as for Stripe and PayPal.
A replayed body is a duplicate for as long as the event is stored, an older
copy of an order never overwrites a newer one (`order_sync.order_apply`), and a
body whose `updated_at` lies in the future is refused: it would make every real
update until then look older. Shopify wants an answer within 5 seconds, hence
store-then-process.
"""

from __future__ import annotations

import hashlib
from zoneinfo import ZoneInfo

from django.utils import timezone

from orders.models import PaymentMethod, PaymentStatus

from ..services import order_sync
from . import (
    Ignored,
    MalformedBody,
    carrier_for,
    check_future,
    header,
    language_from_locale,
    money,
    parse_datetime,
    require,
    urgency,
    verify_base64_hmac,
)

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
KEPT_HEADERS = (
    "X-Shopify-Topic",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Triggered-At",
    "X-Shopify-Event-Id",
    SIGNATURE_HEADER,
)
ORDER_TOPICS = {
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/fulfilled",
    "orders/partially_fulfilled",
}
FULFILMENT_TOPICS = {"fulfillments/create", "fulfillments/update"}
TRANSACTION_TOPICS = {"order_transactions/create"}

FINANCIAL_STATUS = {
    "pending": PaymentStatus.PENDING,
    "authorized": PaymentStatus.AUTHORIZED,
    "partially_paid": PaymentStatus.PAID,
    "paid": PaymentStatus.PAID,
    # Refunds are told by Postsale's own refund records; the money was paid.
    "partially_refunded": PaymentStatus.PAID,
    "refunded": PaymentStatus.PAID,
    "voided": PaymentStatus.CANCELLED,
    "expired": PaymentStatus.FAILED,
}


def verify(body: bytes, headers, integration) -> None:
    verify_base64_hmac(body, headers, integration.signing_secret, SIGNATURE_HEADER)


def identify(payload: dict, headers, body: bytes) -> tuple[str, str]:
    """The SHA-256 of the signed body and the topic: two deliveries of one body are one event.

    The topic is part of it because one merchant action can send the same
    resource under two topics; replayed under another topic, a body only
    reaches a handler that applies the same data again or ignores it.
    """
    topic = header(headers, "X-Shopify-Topic")
    if not topic:
        raise MalformedBody("Missing X-Shopify-Topic.")
    require(payload, "id")
    try:
        updated_at = parse_datetime(payload.get("updated_at"))
    except (TypeError, ValueError) as exc:
        raise MalformedBody("updated_at is not a date and time.") from exc
    if updated_at is not None:
        check_future(updated_at.timestamp(), what="The body's updated_at")
    return f"sha256:{hashlib.sha256(body).hexdigest()}:{topic}", topic


def process(event, payload: dict) -> str:
    topic = event.topic
    if topic in ORDER_TOPICS:
        return _order(event, payload)
    if topic in FULFILMENT_TOPICS:
        return _fulfilment(event, payload)
    if topic in TRANSACTION_TOPICS:
        return _transaction(event, payload)
    raise Ignored(f"Topic {topic} is not used by Postsale.")


def _order(event, payload: dict) -> str:
    item = order_item(event.shop, payload)
    result = order_sync.order_apply(
        integration=event.integration,
        external_id=str(payload["id"]),
        item=item,
        source_updated_at=parse_datetime(payload.get("updated_at")),
    )
    return f"order {result.order.number} {'created' if result.created else 'updated'}"


def order_item(shop, payload: dict) -> dict:
    """A Shopify order in the shape of `orders.api.OrderInSerializer`'s validated data."""
    customer = payload.get("customer") or {}
    email = payload.get("email") or payload.get("contact_email") or customer.get("email")
    if not email:
        raise Ignored("The order has no buyer e-mail (a point-of-sale order?).")
    address = payload.get("shipping_address") or payload.get("billing_address") or {}
    name = " ".join(part for part in (customer.get("first_name"), customer.get("last_name")) if part)
    total = money(payload.get("total_price"))
    item = {
        "shop": shop.slug,
        # `name` (#1001) is what the buyer sees on the confirmation and quotes to us.
        "number": str(payload.get("name") or payload.get("order_number") or payload["id"]).lstrip("#"),
        "placed_at": parse_datetime(payload.get("processed_at") or payload["created_at"]),
        "currency": payload.get("currency") or shop.currency,
        "subtotal": money(payload.get("subtotal_price")),
        "tax_total": money(payload.get("total_tax")),
        "shipping_total": _shipping_total(payload),
        "total": total,
        "sales_channel": f"shopify:{payload.get('source_name') or 'web'}"[:40],
        "ship_name": (address.get("name") or name)[:200],
        "ship_line1": (address.get("address1") or "")[:200],
        "ship_line2": (address.get("address2") or "")[:200],
        "ship_postal_code": (address.get("zip") or "")[:20],
        "ship_city": (address.get("city") or "")[:100],
        "ship_region": (address.get("province") or "")[:100],
        "ship_country": (address.get("country_code") or "")[:2],
        "buyer": {
            "email": email,
            "name": (name or address.get("name") or "")[:200],
            # The language of the checkout the buyer used is the one to write to them in.
            "language": language_from_locale(payload.get("customer_locale") or customer.get("locale")),
        },
        "lines": [_line(line) for line in payload.get("line_items") or [] if (line.get("quantity") or 0) > 0],
        "payment": _payment(payload, total),
        "shipments": shipments_from(payload.get("fulfillments") or []),
    }
    item.update(_urgency(shop, payload, item["placed_at"]))
    return item


def _urgency(shop, payload: dict, placed_at) -> dict:
    """The buyer's date from a cart attribute, a line item property or the note; rush from the shipping line.

    Only what the order says is returned: an order without a date leaves alone one
    that the buyer gave in the portal or an agent entered.
    """
    found = {}
    lines = payload.get("shipping_lines") or []
    if lines:
        found["shipping_speed"] = urgency.speed_from(
            part for line in lines for part in (line.get("title"), line.get("code"))
        )
    if placed_at is None:
        return found
    placed_on = timezone.localtime(placed_at, ZoneInfo(shop.time_zone)).date()
    fields = [
        (entry.get("name"), entry.get("value"))
        for entry in payload.get("note_attributes") or []
        if isinstance(entry, dict)
    ]
    fields += [
        (prop.get("name"), prop.get("value"))
        for line in payload.get("line_items") or []
        for prop in line.get("properties") or []
        if isinstance(prop, dict)
    ]
    needed_by = urgency.date_from_fields(fields, placed_on=placed_on) or urgency.date_in_text(
        payload.get("note"), placed_on=placed_on
    )
    if needed_by:
        found["needed_by"] = needed_by
    return found


def _shipping_total(payload: dict):
    price_set = (payload.get("total_shipping_price_set") or {}).get("shop_money") or {}
    if price_set.get("amount") is not None:
        return money(price_set["amount"])
    return sum((money(line.get("price")) for line in payload.get("shipping_lines") or []), money(0))


def _line(line: dict) -> dict:
    return {
        "sku": str(line.get("sku") or f"shopify-{line.get('variant_id') or line.get('id')}")[:64],
        "title": str(line.get("name") or line.get("title") or "")[:200],
        "quantity": int(line["quantity"]),
        "unit_price": money(line.get("price")),
        # Shopify's `grams` is the weight of one unit.
        "unit_weight_g": int(line.get("grams") or 0),
        # Properties starting with "_" are set by apps and hidden from the buyer;
        # the rest is what the buyer typed, kept exactly: it decides whose a wrong monogram is.
        "personalisation": [
            {
                "label": str(prop.get("name"))[:100],
                "value": str(prop.get("value") if prop.get("value") is not None else ""),
            }
            for prop in line.get("properties") or []
            if prop.get("name")
            and not str(prop["name"]).startswith("_")
            # A delivery date is the order's needed-by date, not what to stitch.
            and not urgency.is_date_name(prop["name"])
        ],
    }


def method_for(gateways: list[str]) -> str:
    names = " ".join(gateways).lower()
    if "paypal" in names:
        return PaymentMethod.PAYPAL
    if "money order" in names or "money_order" in names:
        return PaymentMethod.MONEY_ORDER
    if "cheque" in names or "check" in names:
        return PaymentMethod.PERSONAL_CHEQUE
    if "bank" in names or "transfer" in names or "vorkasse" in names:
        return PaymentMethod.BANK_TRANSFER
    if "invoice" in names or "rechnung" in names or "klarna" in names or "faktura" in names:
        return PaymentMethod.INVOICE
    return PaymentMethod.CARD


def _payment(payload: dict, total) -> dict:
    gateways = payload.get("payment_gateway_names") or (
        [payload["gateway"]] if payload.get("gateway") else []
    )
    status = FINANCIAL_STATUS.get(payload.get("financial_status") or "", PaymentStatus.PENDING)
    return {
        "method": method_for(gateways),
        "status": status,
        "amount": total,
        # The gateway's transaction id is not in the order payload; it arrives with
        # order_transactions/create and is kept because "reference" is left out here.
        "cleared_at": parse_datetime(payload.get("processed_at") or payload.get("created_at"))
        if status == PaymentStatus.PAID
        else None,
    }


def shipments_from(fulfilments: list[dict]) -> list[dict]:
    shipments = []
    for fulfilment in fulfilments:
        if fulfilment.get("status") in ("cancelled", "error", "failure"):
            continue
        numbers = fulfilment.get("tracking_numbers") or (
            [fulfilment["tracking_number"]] if fulfilment.get("tracking_number") else []
        )
        for number in numbers:
            shipments.append(
                {
                    "carrier": carrier_for(fulfilment.get("tracking_company")),
                    "tracking_number": str(number)[:64],
                    "shipped_at": parse_datetime(fulfilment.get("created_at")),
                    "service": str(fulfilment.get("service") or "")[:80],
                }
            )
    return shipments


def _fulfilment(event, payload: dict) -> str:
    require(payload, "order_id")
    shipments = shipments_from([payload])
    if not shipments:
        raise Ignored("The fulfilment has no tracking number.")
    order = order_sync.order_for_external(integration=event.integration, external_id=str(payload["order_id"]))
    order_sync.shipments_add(order=order, shipments=shipments)
    return f"{len(shipments)} shipment(s) on order {order.number}"


def _transaction(event, payload: dict) -> str:
    require(payload, "order_id")
    if payload.get("status") != "success" or payload.get("kind") not in ("sale", "capture", "authorization"):
        raise Ignored(
            f"A {payload.get('status')} {payload.get('kind')} transaction does not name the payment."
        )
    reference = str(payload.get("authorization") or "")
    if not reference:
        raise Ignored("The transaction carries no gateway reference.")
    order = order_sync.order_for_external(integration=event.integration, external_id=str(payload["order_id"]))
    order_sync.payment_reference_set(order=order, reference=reference)
    return f"payment reference {reference} on order {order.number}"
