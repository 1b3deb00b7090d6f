"""An exchange: a new order linked to the return, and the buyer told once it ships."""

from decimal import Decimal

import pytest

from cases.models import Refund
from messaging.models import OutboundMessage
from orders.models import Product
from orders.services import orders_upsert
from returns import services
from returns.models import ReturnStatus
from returns.services import InspectLine
from tests.factories import NAPKINS, make_return, return_line

from .conftest import mails

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
