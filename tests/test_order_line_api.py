"""The claims and returns APIs name an order's line by one rule (orders.selectors.order_line_for)."""

import pytest

from cases.models import Case
from claims.models import ClaimLine
from returns.models import ReturnLine
from tests.factories import NAPKINS, TABLECLOTH, make_order, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def napkins_twice(shop, carrier):
    """Napkins on lines 1 and 3 (the second set at the bundle price), a tablecloth on line 2; delivered."""
    order = make_order(
        shop,
        lines=[
            dict(NAPKINS, quantity=2),
            dict(TABLECLOTH, quantity=1),
            dict(NAPKINS, quantity=1, unit_price="19.90"),
        ],
    )
    track(order, "delivered", days_ago=2)
    return order


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
