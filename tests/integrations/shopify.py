"""Shopify's webhooks as its reference shows them: an order, a fulfilment, and a sender that signs them."""

import copy

from .conftest import b64_hmac, body_of, post

SECRET = "shpss_1f2e3d4c5b6a"

ORDER = {
    "id": 820982911946154508,
    "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "name": "#1001",
    "order_number": 1001,
    "email": "Anna.Berg@example.de",
    "created_at": "2026-03-02T10:15:00+01:00",
    "updated_at": "2026-03-02T10:15:30+01:00",
    "processed_at": "2026-03-02T10:15:00+01:00",
    "currency": "EUR",
    "customer_locale": "de-DE",
    "financial_status": "paid",
    "gateway": "shopify_payments",
    "payment_gateway_names": ["shopify_payments"],
    "source_name": "web",
    "subtotal_price": "59.80",
    "total_tax": "9.55",
    "total_price": "65.70",
    "total_shipping_price_set": {
        "shop_money": {"amount": "5.90", "currency_code": "EUR"},
        "presentment_money": {"amount": "5.90", "currency_code": "EUR"},
    },
    "shipping_lines": [{"title": "DHL Paket", "price": "5.90", "code": "dhl"}],
    "customer": {
        "id": 115310627314723954,
        "email": "anna.berg@example.de",
        "first_name": "Anna",
        "last_name": "Berg",
    },
    "shipping_address": {
        "first_name": "Anna",
        "last_name": "Berg",
        "name": "Anna Berg",
        "address1": "Lindenstraße 4",
        "address2": "",
        "city": "Berlin",
        "zip": "10115",
        "province": None,
        "country": "Germany",
        "country_code": "DE",
    },
    "line_items": [
        {
            "id": 866550311766439020,
            "variant_id": 808950810,
            "product_id": 632910392,
            "sku": "SERV-LEIN-12",
            "title": "Leinenservietten",
            "name": "Leinenservietten - 12 Stück",
            "quantity": 2,
            "price": "29.90",
            "grams": 545,
            "properties": [
                {"name": "Monogramm", "value": "A.M.K "},
                {"name": "_app_render_id", "value": "x9"},
            ],
        }
    ],
    "fulfillments": [],
}

FULFILMENT = {
    "id": 255858046,
    "order_id": ORDER["id"],
    "status": "success",
    "created_at": "2026-03-03T08:00:00+01:00",
    "updated_at": "2026-03-03T08:00:00+01:00",
    "service": "manual",
    "tracking_company": "DHL",
    "shipment_status": None,
    "tracking_number": "00340434161094042557",
    "tracking_numbers": ["00340434161094042557"],
    "tracking_url": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094042557",
    "tracking_urls": ["https://www.dhl.de/..."],
    "name": "#1001.1",
}


def order_payload(**changes):
    payload = copy.deepcopy(ORDER)
    payload.update(changes)
    return payload


def send(
    web,
    shop,
    payload,
    *,
    topic="orders/create",
    webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    event_id=None,
    secret=SECRET,
):
    body = body_of(payload)
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": b64_hmac(secret, body),
        "X-Shopify-Shop-Domain": "leinen.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-API-Version": "2025-01",
    }
    if event_id:
        headers["X-Shopify-Event-Id"] = event_id
    return post(web, "shopify", shop.slug, body, headers)
