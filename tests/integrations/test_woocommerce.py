"""WooCommerce: the creation ping, then signed order webhooks as the REST API v3 order object."""

import copy
from decimal import Decimal

import pytest

from integrations.models import InboundEvent, InboundStatus
from orders.models import Order

from .conftest import b64_hmac, body_of, post, process_all

SECRET = "wc-webhook-secret-7f3a"

ORDER = {
    "id": 727,
    "parent_id": 0,
    "number": "727",
    "order_key": "wc_order_58d2d042d1d",
    "created_via": "checkout",
    "version": "9.1.0",
    "status": "processing",
    "currency": "SEK",
    "date_created": "2026-03-22T16:28:02",
    "date_created_gmt": "2026-03-22T15:28:02",
    "date_modified": "2026-03-22T16:30:35",
    "date_modified_gmt": "2026-03-22T15:30:35",
    "discount_total": "0.00",
    "shipping_total": "59.00",
    "shipping_tax": "14.75",
    "total": "658.00",
    "total_tax": "131.60",
    "customer_id": 26,
    "billing": {
        "first_name": "Karin",
        "last_name": "Lindqvist",
        "address_1": "Storgatan 12",
        "city": "Uppsala",
        "postcode": "753 20",
        "country": "SE",
        "email": "karin.lindqvist@example.se",
        "phone": "070-123 45 67",
    },
    "shipping": {
        "first_name": "Karin",
        "last_name": "Lindqvist",
        "company": "",
        "address_1": "Storgatan 12",
        "address_2": "lgh 1102",
        "city": "Uppsala",
        "state": "",
        "postcode": "753 20",
        "country": "SE",
    },
    "payment_method": "stripe",
    "payment_method_title": "Kort",
    "transaction_id": "pi_3PqW2sLkdIwHu7ix1T0aBcDe",
    "date_paid_gmt": "2026-03-22T15:28:10",
    "meta_data": [
        {"id": 13106, "key": "wpml_language", "value": "sv"},
        {
            "id": 13107,
            "key": "_wc_shipment_tracking_items",
            "value": [
                {
                    "tracking_provider": "postnord-sweden",
                    "custom_tracking_provider": "",
                    "tracking_number": "00370712345678901234",
                    "date_shipped": "1774285200",
                    "tracking_id": "a1b2c3",
                }
            ],
        },
    ],
    "line_items": [
        {
            "id": 315,
            "name": "Linneduk, broderad",
            "product_id": 93,
            "variation_id": 0,
            "quantity": 1,
            "tax_class": "",
            "subtotal": "479.20",
            "subtotal_tax": "119.80",
            "total": "479.20",
            "total_tax": "119.80",
            "sku": "DUK-LIN-BR",
            "price": 479.2,
            "meta_data": [
                {
                    "id": 2990,
                    "key": "Brodyr",
                    "value": "Karin & Per",
                    "display_key": "Brodyr",
                    "display_value": "Karin & Per",
                },
                {
                    "id": 2991,
                    "key": "_reduced_stock",
                    "value": "1",
                    "display_key": "_reduced_stock",
                    "display_value": "1",
                },
            ],
        }
    ],
}


def send(web, shop, payload, *, topic="order.created", delivery="8f0c5f2e-1", secret=SECRET, signed=True):
    body = body_of(payload)
    headers = {
        "X-WC-Webhook-Source": "https://linne.example.se/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": topic.split(".")[0],
        "X-WC-Webhook-Event": topic.split(".")[-1],
        "X-WC-Webhook-ID": "14",
        "X-WC-Webhook-Delivery-ID": delivery,
    }
    if signed:
        headers["X-WC-Webhook-Signature"] = b64_hmac(secret, body)
    return post(web, "woocommerce", shop.slug, body, headers)


@pytest.fixture
def woo(connect):
    return connect("woocommerce", SECRET)


def test_unsigned_creation_ping_is_accepted_and_nothing_stored(web, shop, woo):
    response = post(
        web, "woocommerce", shop.slug, b"webhook_id=14", {}, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert not InboundEvent.objects.exists()


def test_unsigned_order_is_refused(web, shop, woo):
    assert send(web, shop, ORDER, signed=False).status_code == 401
    assert not InboundEvent.objects.exists()


def test_wrong_secret_is_refused(web, shop, woo):
    assert send(web, shop, ORDER, secret="guess").status_code == 401


def test_order_maps_language_personalisation_reference_and_tracking(web, shop, woo):
    assert send(web, shop, ORDER).status_code == 200
    [event] = process_all()

    assert event.status == InboundStatus.PROCESSED, event.error
    order = Order.objects.get(shop=shop, number="727")
    assert order.buyer.language == "sv"
    assert (order.currency, order.total, order.shipping_total) == ("SEK", Decimal("658.00"), Decimal("59.00"))
    assert order.ship_line2 == "lgh 1102"
    [line] = order.lines.all()
    assert line.unit_price == Decimal("479.20")
    assert line.personalisation == [{"label": "Brodyr", "value": "Karin & Per"}]
    [payment] = order.payments.all()
    assert (payment.method, payment.status, payment.reference) == (
        "card",
        "paid",
        "pi_3PqW2sLkdIwHu7ix1T0aBcDe",
    )
    [shipment] = order.shipments.select_related("carrier")
    assert (shipment.carrier.code, shipment.tracking_number) == ("postnord", "00370712345678901234")


def test_language_falls_back_to_the_billing_country(web, shop, woo):
    payload = copy.deepcopy(ORDER)
    payload["meta_data"] = []
    send(web, shop, payload)
    process_all()

    assert Order.objects.get(number="727").buyer.language == "sv"


def test_same_delivery_twice_is_stored_once(web, shop, woo):
    send(web, shop, ORDER)
    assert send(web, shop, ORDER).json()["status"] == "duplicate"
    assert InboundEvent.objects.count() == 1


def test_older_modification_after_a_newer_one_is_ignored(web, shop, woo):
    newer = copy.deepcopy(ORDER) | {"date_modified_gmt": "2026-03-23T09:00:00", "status": "completed"}
    older = copy.deepcopy(ORDER) | {"date_modified_gmt": "2026-03-22T15:30:35", "status": "on-hold"}
    send(web, shop, newer, topic="order.updated", delivery="d-2")
    send(web, shop, older, topic="order.updated", delivery="d-1")

    assert [event.status for event in process_all()] == ["processed", "ignored"]
    assert Order.objects.get(number="727").payments.get().status == "paid"


def test_malformed_json_is_400(web, shop, woo):
    assert send(web, shop, b"not json at all").status_code == 400
    assert not InboundEvent.objects.exists()


def test_on_hold_cheque_order_is_an_uncleared_payment(web, shop, woo):
    payload = copy.deepcopy(ORDER) | {
        "status": "on-hold",
        "payment_method": "cheque",
        "transaction_id": "",
        "date_paid_gmt": None,
    }
    send(web, shop, payload)
    process_all()

    payment = Order.objects.get(number="727").payments.get()
    assert (payment.method, payment.status, payment.cleared_at) == ("personal_cheque", "pending", None)


def test_two_orders_sent_in_the_same_second_are_both_kept(web, shop, woo):
    # WooCommerce makes X-WC-Webhook-Delivery-ID from the webhook id and the current
    # second: a bulk "mark completed" sends every order under the same one.
    first = copy.deepcopy(ORDER) | {"status": "completed"}
    second = copy.deepcopy(ORDER) | {"id": 728, "number": "728", "status": "completed", "meta_data": []}
    send(web, shop, first, topic="order.updated", delivery="5d41402abc4b2a76b9719d911017c592")
    response = send(web, shop, second, topic="order.updated", delivery="5d41402abc4b2a76b9719d911017c592")

    assert response.json()["status"] == "received"
    assert [event.status for event in process_all()] == ["processed", "processed"]
    assert sorted(Order.objects.values_list("number", flat=True)) == ["727", "728"]


def test_same_order_state_delivered_again_is_one_event(web, shop, woo):
    send(web, shop, ORDER, topic="order.updated", delivery="5d41402abc4b2a76b9719d911017c592")
    response = send(web, shop, ORDER, topic="order.updated", delivery="7d793037a0760186574b0282f2f435e7")

    assert response.json()["status"] == "duplicate"
    assert InboundEvent.objects.count() == 1


def test_replay_of_an_order_without_a_modification_time_under_a_new_delivery_id_is_a_duplicate(
    web, shop, woo
):
    # The delivery id is not signed: an attacker replaying a captured body sets any one they like.
    payload = copy.deepcopy(ORDER)
    del payload["date_modified_gmt"]
    send(web, shop, payload, topic="order.updated", delivery="5d41402abc4b2a76b9719d911017c592")
    replay = send(web, shop, payload, topic="order.updated", delivery="7d793037a0760186574b0282f2f435e7")

    assert replay.json()["status"] == "duplicate"
    assert InboundEvent.objects.count() == 1


def test_two_orders_without_a_modification_time_are_both_kept(web, shop, woo):
    first = copy.deepcopy(ORDER)
    del first["date_modified_gmt"]
    second = first | {"id": 728, "number": "728"}
    send(web, shop, first, topic="order.updated", delivery="5d41402abc4b2a76b9719d911017c592")
    send(web, shop, second, topic="order.updated", delivery="5d41402abc4b2a76b9719d911017c592")

    assert InboundEvent.objects.count() == 2


def test_custom_carrier_name_lands_on_the_polled_postnord_code(web, shop, woo):
    payload = copy.deepcopy(ORDER)
    [tracking] = payload["meta_data"][1]["value"]
    tracking |= {"tracking_provider": "", "custom_tracking_provider": "PostNord Sverige AB"}
    send(web, shop, payload)
    process_all()

    [shipment] = Order.objects.get(number="727").shipments.select_related("carrier")
    assert shipment.carrier.code == "postnord"
