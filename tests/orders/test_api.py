"""The orders API: POST/GET /api/v1/orders/ (upsert by shop and number, batches, validation, reads),
who may call it, and an order's line as the claims and returns APIs name it."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from cases.choices import ClaimType
from cases.models import Case
from claims.models import ClaimLine
from claims.services import LineIn
from orders.models import (
    Buyer,
    Order,
    OrderLine,
    OrderNote,
    Payment,
    Product,
    RiskFlag,
    Shipment,
    Shop,
    TrackingEvent,
)
from orders.services import buyer_set_risk, order_note_add
from returns.models import ReturnLine
from tests.factories import NAPKINS, TABLECLOTH, api_token, make_claim, make_order

from .conftest import ORDERS, TRACKING, order_payload

pytestmark = pytest.mark.django_db


def batch(count, **kwargs):
    return [order_payload(str(10000 + index), **kwargs) for index in range(count)]


def counts():
    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "payments": Payment.objects.count(),
        "shipments": Shipment.objects.count(),
        "buyers": Buyer.objects.count(),
    }


def _list_queries(api, django_assert_num_queries):
    # 1 orders (+ shop, buyer joined), 2 lines, 3 payments, 4 shipments (+ carrier joined),
    # 5 tracking events. The cursor page needs no COUNT(*). force_authenticate: no user query.
    with django_assert_num_queries(5):
        response = api.get(ORDERS, {"shop": "leinen", "page_size": 50})
    return response.json()["results"]


# --- idempotency ----------------------------------------------------------------------


def test_same_payload_twice_leaves_one_order(api, shop):
    first = api.post(ORDERS, order_payload(), format="json")
    second = api.post(ORDERS, order_payload(), format="json")

    assert first.status_code == 201, first.json()
    assert second.status_code == 200, second.json()
    assert first.json()["id"] == second.json()["id"]
    assert counts() == {"orders": 1, "lines": 2, "payments": 1, "shipments": 1, "buyers": 1}


def test_post_answers_with_the_id_and_whether_it_was_created(api, shop):
    first = api.post(ORDERS, order_payload(), format="json").json()
    second = api.post(ORDERS, order_payload(), format="json").json()

    order = Order.objects.get()
    assert first == {"id": order.pk, "shop": "leinen", "number": "1001", "created": True}
    assert second == {"id": order.pk, "shop": "leinen", "number": "1001", "created": False}


def test_posted_order_reads_back_with_its_data(api, shop, carrier):
    created = api.post(ORDERS, order_payload(), format="json").json()

    body = api.get(f"{ORDERS}{created['id']}/").json()
    assert body["shop"] == "leinen"
    assert body["currency"] == "EUR"  # the shop's currency when none is sent
    assert body["buyer"]["email"] == "anna@example.de"
    assert body["shipping_address"]["city"] == "Berlin"
    assert [line["quantity"] for line in body["lines"]] == [1, 2]
    # Personalisation is evidence: kept exactly as typed, spaces included.
    assert body["lines"][0]["personalisation"] == [{"label": "Monogramm", "value": "A M K"}]
    assert body["shipments"][0]["tracking_number"] == "JJD1001"
    assert body["shipments"][0]["tracking_url"].endswith("piececode=JJD1001")


def test_same_batch_twice_leaves_500_orders(api, shop, carrier, django_assert_max_num_queries):
    payload = batch(500)

    first = api.post(ORDERS, payload, format="json")
    # A batch costs a fixed number of queries, not one per order (about 12 on PostgreSQL;
    # SQLite splits the bulk inserts into chunks of its variable limit).
    with django_assert_max_num_queries(60):
        second = api.post(ORDERS, payload, format="json")

    assert first.status_code == 200, first.json()
    assert second.status_code == 200, second.json()
    assert all(row["created"] for row in first.json())
    assert not any(row["created"] for row in second.json())
    assert counts() == {"orders": 500, "lines": 1000, "payments": 500, "shipments": 500, "buyers": 1}


def test_update_with_fewer_lines_drops_the_extra_lines(api, shop):
    api.post(ORDERS, order_payload(lines=3), format="json")

    response = api.post(ORDERS, order_payload(lines=1), format="json")

    assert response.status_code == 200
    assert list(OrderLine.objects.values_list("position", "sku")) == [(1, "NAP-1")]


def test_update_with_fewer_lines_in_a_batch_drops_only_that_orders_lines(api, shop):
    api.post(ORDERS, batch(3, lines=3), format="json")
    payload = batch(3, lines=3)
    payload[1]["lines"] = payload[1]["lines"][:1]

    api.post(ORDERS, payload, format="json")

    per_order = {order.number: order.lines.count() for order in Order.objects.all()}
    assert per_order == {"10000": 3, "10001": 1, "10002": 3}


def test_update_without_lines_keeps_the_lines(api, shop):
    api.post(ORDERS, order_payload(lines=2), format="json")
    shipped = order_payload()
    del shipped["lines"]

    api.post(ORDERS, shipped, format="json")

    assert OrderLine.objects.count() == 2


def test_update_changes_shop_data(api, shop):
    api.post(ORDERS, order_payload(), format="json")
    edited = order_payload()
    edited["total"] = "44.85"
    edited["lines"][0]["quantity"] = 5
    edited["shipping_address"]["city"] = "Potsdam"

    created = api.post(ORDERS, edited, format="json").json()

    body = api.get(f"{ORDERS}{created['id']}/").json()

    assert body["total"] == "44.85"
    assert body["lines"][0]["quantity"] == 5
    assert body["shipping_address"]["city"] == "Potsdam"
    assert Payment.objects.count() == 1


def test_a_line_gives_its_products_family_and_list_price(api, shop):
    payload = order_payload(lines=2)
    payload["lines"][0].update(product_family="NAP", list_price="16.90")

    assert api.post(ORDERS, payload, format="json").status_code == 201

    first, second = Product.objects.filter(shop=shop).order_by("sku")
    assert (first.family, first.list_price) == ("NAP", Decimal("16.90"))
    assert (second.family, second.list_price) == ("", None)


def test_a_later_order_brings_the_product_up_to_date_and_one_that_says_nothing_keeps_it(api, shop):
    first = order_payload("1001", lines=1)
    first["lines"][0].update(product_family="NAP", list_price="16.90")
    cheaper = order_payload("1002", lines=1)
    cheaper["lines"][0].update(list_price="14.90")
    silent = order_payload("1003", lines=1)

    for payload in (first, cheaper, silent):
        assert api.post(ORDERS, payload, format="json").status_code == 201

    product = Product.objects.get(shop=shop, sku="NAP-1")
    assert (product.family, product.list_price) == ("NAP", Decimal("14.90"))


def test_a_negative_list_price_is_refused_by_its_path(api, shop):
    payload = order_payload(lines=1)
    payload["lines"][0]["list_price"] = "-1.00"

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["lines[0].list_price"]
    assert not Product.objects.exists()


def test_buyer_risk_flag_and_order_notes_survive_an_update(api, shop, owner):
    api.post(ORDERS, order_payload(), format="json")
    order = Order.objects.get()
    buyer_set_risk(
        buyer=order.buyer, flag=RiskFlag.QUESTIONABLE, reason="Third 'never arrived' claim", by=owner
    )
    order_note_add(order=order, author=owner, body="Buyer called: ship to the office.")

    api.post(ORDERS, order_payload(), format="json")

    buyer = Buyer.objects.get()
    assert buyer.risk_flag == RiskFlag.QUESTIONABLE
    assert buyer.risk_reason == "Third 'never arrived' claim"
    assert buyer.risk_set_by == owner
    assert list(OrderNote.objects.values_list("body", flat=True)) == ["Buyer called: ship to the office."]


def test_buyer_email_matches_whatever_the_case(api, shop):
    api.post(ORDERS, order_payload("1", email="Anna@Example.de"), format="json")
    api.post(ORDERS, order_payload("2", email="anna@example.DE"), format="json")

    assert Buyer.objects.count() == 1


def test_last_copy_of_an_order_in_a_batch_wins(api, shop):
    older, newer = order_payload(), order_payload()
    newer["total"] = "12.00"

    response = api.post(ORDERS, [older, newer], format="json")

    assert response.status_code == 200
    assert Order.objects.get().total == 12


# --- limits and validation ------------------------------------------------------------


def test_batch_over_500_is_refused(api, shop):
    response = api.post(ORDERS, batch(501), format="json")

    assert response.status_code == 400
    assert "500" in response.json()["non_field_errors"][0]
    assert Order.objects.count() == 0


def test_empty_batch_is_refused(api, shop):
    response = api.post(ORDERS, [], format="json")

    assert response.status_code == 400


def test_bad_quantity_names_the_field_and_writes_nothing(api, shop):
    payload = order_payload()
    payload["lines"][0]["quantity"] = 0

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 400
    assert "lines[0].quantity" in response.json()
    assert counts() == {"orders": 0, "lines": 0, "payments": 0, "shipments": 0, "buyers": 0}


def test_one_bad_order_in_a_batch_writes_nothing(api, shop):
    payload = batch(20)
    payload[7]["buyer"]["email"] = "not-an-e-mail"
    payload[12]["lines"][1]["unit_price"] = "-1"

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"[7].buyer.email", "[12].lines[1].unit_price"}
    assert counts() == {"orders": 0, "lines": 0, "payments": 0, "shipments": 0, "buyers": 0}


def test_bad_batch_leaves_stored_orders_unchanged(api, shop):
    api.post(ORDERS, batch(5, lines=2), format="json")
    before = counts()
    payload = batch(5, lines=1)
    payload[4]["placed_at"] = "yesterday"

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 400
    assert "[4].placed_at" in response.json()
    assert counts() == before


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("total",), "lots", "total"),
        (("currency",), "euro", "currency"),
        (("shipping_speed",), "warp", "shipping_speed"),
        (("buyer", "language"), "fr", "buyer.language"),
        (("payment", "method"), "bitcoin", "payment.method"),
        (("shipments", 0, "packed_weight_g"), -5, "shipments[0].packed_weight_g"),
        (("lines", 1, "personalisation", 0, "label"), "", "lines[1].personalisation[0].label"),
    ],
)
def test_bad_field_gets_400_with_its_path(api, shop, path, value, field):
    payload = order_payload()
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Order.objects.count() == 0


def test_missing_required_fields_are_all_named(api, shop):
    response = api.post(ORDERS, {"shop": "leinen"}, format="json")

    assert response.status_code == 400
    assert {"number", "placed_at", "total", "buyer"} <= set(response.json())


def test_unknown_shop_is_refused(api, shop):
    response = api.post(ORDERS, order_payload(shop="nowhere"), format="json")

    assert response.status_code == 400
    assert "nowhere" in response.json()["shop"][0]
    assert counts()["orders"] == 0


def test_unknown_shop_in_a_batch_writes_nothing(api, shop):
    payload = batch(3)
    payload[2]["shop"] = "nowhere"

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 400
    assert counts() == {"orders": 0, "lines": 0, "payments": 0, "shipments": 0, "buyers": 0}


def test_tracking_number_of_another_shops_order_is_refused(owner_api, owner, shop, grant):
    grant(owner, Shop.objects.create(slug="linne", name="Linne & Lin", currency="SEK", default_language="sv"))
    owner_api.post(ORDERS, order_payload("1", tracking_number="SHARED1"), format="json")

    response = owner_api.post(
        ORDERS, order_payload("1", shop="linne", tracking_number="SHARED1"), format="json"
    )

    assert response.status_code == 400
    assert Order.objects.count() == 1
    assert Shipment.objects.get().order.shop == shop


def test_malformed_json_is_a_400(api, shop):
    response = api.post(ORDERS, "{not json", content_type="application/json")

    assert response.status_code == 400


# --- reads ----------------------------------------------------------------------------


def test_orders_are_found_by_shop_and_number(api, shop):
    api.post(ORDERS, batch(3), format="json")

    body = api.get(ORDERS, {"shop": "leinen", "number": "10001"}).json()

    assert [order["number"] for order in body["results"]] == ["10001"]
    assert body["results"][0]["lines"][1]["sku"] == "NAP-2"


def test_orders_of_another_shop_are_not_listed_for_a_shop_filter(owner_api, owner, shop, grant):
    grant(owner, Shop.objects.create(slug="linne", name="Linne & Lin", currency="SEK", default_language="sv"))
    owner_api.post(ORDERS, [order_payload("1"), order_payload("2", shop="linne")], format="json")

    body = owner_api.get(ORDERS, {"shop": "linne"}).json()

    assert [(order["shop"], order["number"], order["currency"]) for order in body["results"]] == [
        ("linne", "2", "SEK")
    ]


def test_order_detail_returns_the_order(api, shop):
    created = api.post(ORDERS, order_payload(), format="json").json()

    response = api.get(f"{ORDERS}{created['id']}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["shop"], body["number"]) == (created["id"], "leinen", "1001")
    assert body["payments"] == [
        {
            "method": "card",
            "status": "paid",
            "amount": "59.80",
            "reference": "ch_1001",
            "cleared_at": None,
            "provider": "",
        }
    ]


def test_unknown_order_detail_is_404(api, shop):
    assert api.get(f"{ORDERS}999999/").status_code == 404


def test_order_list_has_the_same_query_count_for_1_and_20_orders(api, shop, django_assert_num_queries):
    api.post(ORDERS, batch(1), format="json")
    assert len(_list_queries(api, django_assert_num_queries)) == 1

    many = batch(20)
    for index, payload in enumerate(many):
        payload["shipments"].append({"carrier": "ups", "tracking_number": f"1Z{index}"})
    api.post(ORDERS, many, format="json")
    api.post(
        "/api/v1/tracking-events/",
        [
            {
                "carrier": "dhl",
                "tracking_number": f"JJD{10000 + index}",
                "event_id": f"e{index}",
                "occurred_at": "2026-11-02T10:00:00Z",
                "status": "in_transit",
            }
            for index in range(20)
        ],
        format="json",
    )
    assert len(_list_queries(api, django_assert_num_queries)) == 20


def test_an_update_that_leaves_fields_out_keeps_their_values(api, shop, carrier):
    first = order_payload("2001")
    first["needed_by"] = "2026-12-12"
    first["shipping_speed"] = "express"
    first["shipments"][0].update(packed_weight_g=2400, signature_required=True, insured_value="500.00")
    api.post("/api/v1/orders/", first, format="json")
    Shipment.objects.filter(tracking_number="JJD2001").update(estimated_delivery="2026-11-05")

    # The shop system later sends a "shipped" update that knows none of it.
    update = order_payload("2001")
    update["total"] = "64.80"
    update["shipments"][0]["shipped_at"] = "2026-11-02T08:00:00Z"
    response = api.post("/api/v1/orders/", update, format="json")

    assert response.status_code == 200
    order = Order.objects.get(number="2001")
    shipment = order.shipments.get()
    assert (str(order.total), str(order.needed_by), order.shipping_speed) == (
        "64.80",
        "2026-12-12",
        "express",
    )
    assert (shipment.packed_weight_g, shipment.signature_required, str(shipment.insured_value)) == (
        2400,
        True,
        "500.00",
    )
    assert str(shipment.estimated_delivery) == "2026-11-05"
    assert shipment.shipped_at is not None


def test_a_tracking_number_already_on_another_order_is_refused_not_dropped(api, shop, carrier):
    api.post("/api/v1/orders/", order_payload("3001", tracking_number="JJD-SHARED"), format="json")

    response = api.post("/api/v1/orders/", order_payload("3002", tracking_number="JJD-SHARED"), format="json")

    assert response.status_code == 400
    assert "3001" in str(response.json())
    assert not Order.objects.filter(number="3002").exists()
    assert Shipment.objects.get(tracking_number="JJD-SHARED").order.number == "3001"


def test_a_scan_from_the_future_is_refused(api, shop, carrier):
    api.post("/api/v1/orders/", order_payload("3003"), format="json")
    event = {
        "carrier": "dhl",
        "tracking_number": "JJD3003",
        "event_id": "future-1",
        "occurred_at": "2030-01-01T10:00:00Z",
        "status": "lost",
    }

    response = api.post("/api/v1/tracking-events/", event, format="json")

    assert response.status_code == 400
    assert "occurred_at" in str(response.json())
    assert Shipment.objects.get(tracking_number="JJD3003").status != "lost"


def test_shop_resending_an_order_with_fewer_lines_keeps_a_claimed_line(shop, carrier, api):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2), dict(NAPKINS, sku="TUCH-1", quantity=1)])
    make_claim(
        order,
        ClaimType.MISSING_ITEMS,
        lines=[LineIn(order_line=order.lines.get(position=2), quantity=1)],
    )
    payload = {
        "shop": shop.slug,
        "number": order.number,
        "placed_at": order.placed_at.isoformat(),
        "total": "55.70",
        "buyer": {"email": order.buyer.email},
        "lines": [{"sku": NAPKINS["sku"], "quantity": 2, "unit_price": "24.90"}],
    }

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 200
    assert order.lines.filter(position=2, claim_lines__isnull=False).exists()


# --- who may read and write orders and tracking ---------------------------------------

ORDER = {
    "shop": "leinen",
    "number": "1001",
    "placed_at": "2026-11-01T10:00:00Z",
    "total": "29.90",
    "buyer": {"email": "anna@example.de"},
    "shipments": [{"carrier": "dhl", "tracking_number": "JJD0001"}],
}
EVENT = {
    "carrier": "dhl",
    "tracking_number": "JJD0001",
    "event_id": "e1",
    "occurred_at": "2026-11-02T10:00:00Z",
    "status": "in_transit",
}


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [("get", ORDERS, None), ("get", f"{ORDERS}1/", None), ("post", ORDERS, ORDER), ("post", TRACKING, EVENT)],
)
def test_anonymous_is_refused(shop, method, url, payload):
    response = getattr(APIClient(), method)(url, payload, format="json")

    # 401 with a WWW-Authenticate header, since token authentication comes first.
    assert response.status_code in (401, 403)
    assert Order.objects.count() == 0


def test_agent_may_read_orders(api, agent_api, shop):
    created = api.post(ORDERS, ORDER, format="json").json()

    listed = agent_api.get(ORDERS, {"shop": "leinen"})
    detail = agent_api.get(f"{ORDERS}{created['id']}/")

    assert listed.status_code == 200
    assert [order["number"] for order in listed.json()["results"]] == ["1001"]
    assert detail.status_code == 200


def test_agent_may_not_post_orders(agent_api, shop):
    response = agent_api.post(ORDERS, ORDER, format="json")

    assert response.status_code == 403
    assert Order.objects.count() == 0


def test_user_without_a_group_may_not_read_orders(api, django_user_model, shop):
    nobody = APIClient()
    nobody.force_authenticate(django_user_model.objects.create_user("nobody", password="nobody"))

    assert nobody.get(ORDERS).status_code == 403


def test_owner_may_post_orders(owner_api, shop):
    assert owner_api.post(ORDERS, ORDER, format="json").status_code == 201


def test_integration_may_post_orders_and_tracking(api, shop):
    assert api.post(ORDERS, ORDER, format="json").status_code == 201
    assert api.post(TRACKING, EVENT, format="json").status_code == 200
    assert TrackingEvent.objects.count() == 1


@pytest.mark.parametrize("command", ["create_api_token", "drf_create_token"])
def test_token_from_create_api_token_authenticates(integration, shop, command):
    out = io.StringIO()
    call_command(command, integration.username, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")

    response = client.post(ORDERS, ORDER, format="json")

    assert response.status_code == 201, response.json()
    assert client.get(ORDERS).status_code == 200


def test_wrong_token_is_refused(integration, shop):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    assert client.post(ORDERS, ORDER, format="json").status_code == 401
    assert Order.objects.count() == 0


def test_session_login_works_for_reads(client, agent, shop):
    client.force_login(agent)

    assert client.get(ORDERS).status_code == 200


# --- an order's line, as the claims and returns APIs name it --------------------------


def open_claim(client, order, line):
    body = {"order": order.pk, "type": "missing_items", "lines": [dict(line, quantity=1)]}
    return client.post("/api/v1/claims/", body, format="json")


def open_return(client, order, line):
    body = {
        "order": {"shop": order.shop.slug, "number": order.number},
        "lines": [dict(line, quantity=1, reason="too_small")],
    }
    return client.post("/api/v1/returns/", body, format="json")


def positions_taken():
    """The order positions the opened claim or return covers."""
    lines = [
        *ClaimLine.objects.select_related("order_line"),
        *ReturnLine.objects.select_related("order_line"),
    ]
    return [line.order_line.position for line in lines]


BOTH_APIS = pytest.mark.parametrize("open_case", [open_claim, open_return], ids=["claims", "returns"])


@BOTH_APIS
def test_an_sku_on_two_lines_is_refused_naming_the_positions(agent_api, napkins_twice, open_case):
    response = open_case(agent_api, napkins_twice, {"sku": NAPKINS["sku"]})

    assert response.status_code == 400
    assert response.json() == {
        "lines[0].sku": [f"SKU {NAPKINS['sku']} is on lines 1 and 3; give the position."]
    }
    assert not Case.objects.exists()


@BOTH_APIS
def test_the_position_of_a_repeated_sku_takes_that_line(agent_api, napkins_twice, open_case):
    response = open_case(agent_api, napkins_twice, {"sku": NAPKINS["sku"], "position": 3})

    assert response.status_code == 201, response.json()
    assert positions_taken() == [3]


@BOTH_APIS
def test_an_sku_only_one_line_carries_takes_that_line(agent_api, napkins_twice, open_case):
    response = open_case(agent_api, napkins_twice, {"sku": TABLECLOTH["sku"]})

    assert response.status_code == 201, response.json()
    assert positions_taken() == [2]


@BOTH_APIS
def test_an_unknown_sku_is_refused_naming_the_sku(agent_api, napkins_twice, open_case):
    response = open_case(agent_api, napkins_twice, {"sku": "NOPE"})

    assert response.status_code == 400
    assert response.json() == {"lines[0].sku": ["This line is not on the order."]}


@BOTH_APIS
def test_an_unknown_position_is_refused_naming_the_position(agent_api, napkins_twice, open_case):
    response = open_case(agent_api, napkins_twice, {"position": 9})

    assert response.status_code == 400
    assert response.json() == {"lines[0].position": ["This line is not on the order."]}


@BOTH_APIS
def test_a_line_without_position_or_sku_is_refused(agent_api, napkins_twice, open_case):
    response = open_case(agent_api, napkins_twice, {})

    assert response.status_code == 400
    assert response.json() == {"lines[0].non_field_errors": ["Give the line's position or its SKU."]}


# --- another shop's system ------------------------------------------------------------------


@pytest.fixture
def swedish_token(swedish_integration):
    """Linnestugan's shop system, sending its token like any shop system does."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(swedish_integration)}")
    return client


def test_a_shop_systems_token_cannot_write_another_shops_order(api, shop, swedish_token):
    api.post(ORDERS, order_payload("1001", email="zelda.quarz@example.de"), format="json")

    response = swedish_token.post(
        ORDERS, order_payload("1001", email="mallory@example.se", lines=1), format="json"
    )

    # Refused exactly as a shop that does not exist is.
    assert response.status_code == 400
    assert response.json() == {"shop": ["Unknown shop: leinen."]}
    order = Order.objects.get()
    assert (order.buyer.email, order.lines.count()) == ("zelda.quarz@example.de", 2)


def test_a_batch_with_one_order_of_another_shop_writes_nothing(swedish_token, shop, swedish_shop):
    payload = [order_payload("LS-1", shop="linnestugan"), order_payload("1001", shop="leinen")]

    response = swedish_token.post(ORDERS, payload, format="json")

    assert response.status_code == 400
    assert counts()["orders"] == 0


def test_a_shop_systems_token_reads_no_other_shops_orders(api, shop, swedish_token):
    created = api.post(ORDERS, order_payload("1001"), format="json").json()

    listed = swedish_token.get(ORDERS).json()["results"]
    by_key = swedish_token.get(ORDERS, {"shop": "leinen", "number": "1001"}).json()["results"]
    detail = swedish_token.get(f"{ORDERS}{created['id']}/")

    assert (listed, by_key, detail.status_code) == ([], [], 404)
