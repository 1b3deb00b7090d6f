"""An exchange: a new order linked to the return, and the buyer told once it ships."""

from decimal import Decimal

import pytest

from cases.approvals import given_back_on_order
from cases.models import Refund, RefundLimit
from messaging.models import OutboundMessage
from orders.models import Order, Product
from orders.services import orders_upsert
from returns import services
from returns.models import ReturnRequest, ReturnStatus
from returns.services import InspectLine
from tests.factories import NAPKINS, make_order, make_return, return_line, track

from .conftest import mails, open_return

pytestmark = pytest.mark.django_db


def test_an_exchange_becomes_a_new_order_linked_to_the_return(delivered_order):
    request = make_return(
        delivered_order, return_line(delivered_order, quantity=2, reason="too_small"), resolution="exchange"
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    result = services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 2, "as_new")])

    exchange = result.exchange_order
    assert exchange.number == f"{delivered_order.number}-X1"
    assert exchange.buyer == delivered_order.buyer
    assert exchange.sales_channel == "exchange"
    assert [(line.sku, line.quantity, line.unit_price) for line in exchange.lines.all()] == [
        (NAPKINS["sku"], 2, Decimal("24.90"))
    ]
    assert exchange.ship_city == delivered_order.ship_city
    request.refresh_from_db()
    assert request.status == ReturnStatus.EXCHANGED
    assert request.exchange_order == exchange
    assert result.refund is None and not Refund.objects.exists()
    # Not shipped yet: the buyer hears what inspection found, and "shipped" only once it is.
    assert mails(request)[-1] == "inspection_result"
    assert "exchange_shipped" not in mails(request)


def test_the_buyer_hears_the_exchange_shipped_once_the_shop_ships_it(delivered_order, carrier):
    request = make_return(
        delivered_order, return_line(delivered_order, quantity=2, reason="too_small"), resolution="exchange"
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})
    exchange = services.return_inspect(
        rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 2, "as_new")]
    ).exchange_order
    assert services.return_exchanges_announce_shipped() == 0

    # The shop system ships the exchange order like any other.
    orders_upsert(
        items=[
            {
                "shop": exchange.shop.slug,
                "number": exchange.number,
                "placed_at": exchange.placed_at,
                "total": exchange.total,
                "buyer": {"email": exchange.buyer.email},
                "shipments": [{"carrier": carrier.code, "tracking_number": "00340434161094099999"}],
            }
        ]
    )

    assert services.return_exchanges_announce_shipped() == 1
    assert services.return_exchanges_announce_shipped() == 0
    [message] = OutboundMessage.objects.filter(case=request.case, event="exchange_shipped")
    assert message.context["tracking_number"] == "00340434161094099999"
    assert message.context["order_number"] == exchange.number


def test_an_exchange_can_swap_for_another_size(shop, delivered_order):
    Product.objects.create(shop=shop, sku="SERV-LEIN-12-XL", title="Leinenservietten XL, 12 Stück")
    request = make_return(
        delivered_order, return_line(delivered_order, reason="too_small"), resolution="exchange"
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    result = services.return_inspect(
        rma=request.rma,
        lines=[InspectLine(NAPKINS["sku"], 1, "as_new")],
        exchange_skus={NAPKINS["sku"]: "SERV-LEIN-12-XL"},
    )

    assert [line.sku for line in result.exchange_order.lines.all()] == ["SERV-LEIN-12-XL"]


# --- an agent exchanges only for a variant, at the same or a lower price ----------------------------

TOWEL = {
    "sku": "HAND-LEIN-50",
    "title": "Handtuch Leinen 50x100",
    "unit_price": "18.50",
    "unit_weight_g": 300,
    "product_family": "HAND-LEIN",
    "list_price": Decimal("18.50"),
}


@pytest.fixture
def towels_back(shop, carrier, agent_api):
    """Two linen towels at 18.50, sent back for an exchange and received; bed linen and other towels in stock."""
    Product.objects.create(
        shop=shop,
        sku="BETT-LEIN-155",
        title="Bettwäsche Leinen 155x220",
        family="BETT-LEIN",
        list_price=Decimal("169.00"),
    )
    Product.objects.create(
        shop=shop,
        sku="HAND-LEIN-30",
        title="Gästehandtuch Leinen 30x50",
        family="HAND-LEIN",
        list_price=Decimal("12.00"),
    )
    Product.objects.create(
        shop=shop,
        sku="HAND-LEIN-70",
        title="Duschtuch Leinen 70x140",
        family="HAND-LEIN",
        list_price=Decimal("24.00"),
    )
    order = make_order(shop, lines=[dict(TOWEL, quantity=2)])
    track(order, "delivered", days_ago=3)
    rma = open_return(
        agent_api,
        order,
        lines=[{"sku": TOWEL["sku"], "quantity": 2, "reason": "other"}],
        resolution="exchange",
    ).json()["rma"]
    agent_api.post(
        f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": TOWEL["sku"], "quantity": 2}]}, format="json"
    )
    return ReturnRequest.objects.get(rma=rma)


def inspect_for_exchange(api, request, swaps):
    return api.post(
        f"/api/v1/returns/{request.rma}/inspect/",
        {"lines": [{"sku": TOWEL["sku"], "accepted_quantity": 2, "condition": "as_new"}], "exchange": swaps},
        format="json",
    )


def test_an_agent_cannot_exchange_two_towels_for_two_bed_linen_sets(agent_api, towels_back):
    # The story: 2 towels at 18.50 became 2 bed-linen sets worth 169 each.
    answer = inspect_for_exchange(agent_api, towels_back, {TOWEL["sku"]: "BETT-LEIN-155"})

    assert answer.status_code == 400
    assert list(answer.json()) == [f"exchange.{TOWEL['sku']}"]
    assert "BETT-LEIN-155 is not a variant of HAND-LEIN-50" in answer.json()[f"exchange.{TOWEL['sku']}"][0]
    towels_back.refresh_from_db()
    assert towels_back.status == ReturnStatus.RECEIVED and towels_back.exchange_order is None
    assert towels_back.lines.get().accepted_quantity == 0
    assert not Order.objects.filter(number__endswith="-X1").exists()


def test_an_agent_cannot_exchange_for_a_dearer_variant(agent_api, towels_back):
    answer = inspect_for_exchange(agent_api, towels_back, {TOWEL["sku"]: "HAND-LEIN-70"})

    assert answer.status_code == 400
    assert (
        "HAND-LEIN-70 costs 24.00, more than HAND-LEIN-50 at 18.50"
        in answer.json()[f"exchange.{TOWEL['sku']}"][0]
    )
    towels_back.refresh_from_db()
    assert towels_back.status == ReturnStatus.RECEIVED


def test_an_agent_exchanges_for_a_variant_at_a_lower_price(agent_api, towels_back):
    answer = inspect_for_exchange(agent_api, towels_back, {TOWEL["sku"]: "HAND-LEIN-30"})

    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "exchanged"
    towels_back.refresh_from_db()
    assert [line.sku for line in towels_back.exchange_order.lines.all()] == ["HAND-LEIN-30"]
    # What the exchange sent counts at its list price.
    assert towels_back.exchange_value == Decimal("24.00")


def test_an_owner_may_exchange_for_another_product(owner_api, towels_back):
    answer = inspect_for_exchange(owner_api, towels_back, {TOWEL["sku"]: "BETT-LEIN-155"})

    assert answer.status_code == 200, answer.json()
    assert answer.json()["return"]["exchange_value"] == "338.00"
    towels_back.refresh_from_db()
    assert [line.sku for line in towels_back.exchange_order.lines.all()] == ["BETT-LEIN-155"]


def test_an_exchange_worth_more_than_the_agents_limit_waits_for_an_owner(
    agent, agent_api, owner_api, towels_back
):
    RefundLimit.objects.create(user=agent, amount=Decimal("30"))

    held = inspect_for_exchange(agent_api, towels_back, {})

    assert held.status_code == 200, held.json()
    body = held.json()["return"]
    assert (body["status"], body["awaits_exchange_approval"], body["exchange_value"]) == (
        "inspected",
        True,
        "37.00",
    )
    assert body["exchange_order"] is None
    towels_back.case.refresh_from_db()
    assert towels_back.case.status == "escalated"
    assert towels_back.case.events.get(verb="refund_needs_approval").new == "return_exchange"
    assert agent_api.post(f"/api/v1/returns/{towels_back.rma}/refund/").status_code == 409

    approved = owner_api.post(f"/api/v1/returns/{towels_back.rma}/refund/")

    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "exchanged"
    assert approved.json()["exchange_order"]["number"].endswith("-X1")
    assert given_back_on_order(towels_back.order_id) == Decimal("37.00")
