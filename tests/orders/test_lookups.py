"""Shops and carriers come from the cache between requests, and a change applies to the next one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, Shop

from .conftest import order_payload

pytestmark = pytest.mark.django_db


def test_the_second_order_does_not_ask_the_database_for_the_shop_or_carrier(api, shop, carrier):
    api.post("/api/v1/orders/", order_payload("5001"), format="json")

    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/orders/", order_payload("5002"), format="json")

    assert response.status_code == 201
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert 'FROM "orders_shop"' not in sql and 'FROM "orders_carrier"' not in sql


def test_a_renamed_shop_answers_to_its_new_slug_only(api, shop, carrier):
    api.post("/api/v1/orders/", order_payload("5003"), format="json")

    shop.slug = "leinen-und-liebe"
    shop.save()

    assert api.post("/api/v1/orders/", order_payload("5004"), format="json").status_code == 400
    renamed = api.post("/api/v1/orders/", order_payload("5005", shop="leinen-und-liebe"), format="json")
    assert renamed.status_code == 201


def test_a_deleted_shop_is_unknown_at_once(api, shop, carrier):
    api.post("/api/v1/orders/", order_payload("5006"), format="json")
    Order.objects.all().delete()
    shop.buyers.all().delete()
    shop.products.all().delete()

    Shop.objects.filter(pk=shop.pk).get().delete()

    assert api.post("/api/v1/orders/", order_payload("5007"), format="json").status_code == 400


def test_a_renamed_carrier_is_looked_up_afresh(api, shop, carrier):
    api.post("/api/v1/orders/", order_payload("5008"), format="json")

    carrier.code = "dhl-paket"
    carrier.save()
    response = api.post("/api/v1/orders/", order_payload("5009"), format="json")

    assert response.status_code == 201
    # "dhl" is unknown now: the shop system's name makes a new carrier, not the renamed one.
    assert Order.objects.get(number="5009").shipments.get().carrier.code == "dhl"
