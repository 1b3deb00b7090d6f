"""Two people or two scanners at once: stock moves once, money leaves once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from cases.models import Refund
from config.errors import Conflict
from orders.models import Product
from returns import services
from returns.models import ReturnRequest
from tests.factories import NAPKINS, make_return, return_line

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_at_once(*functions):
    """Start the functions together on their own connections; return what each returned or raised."""
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            outcomes[index] = function()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_receiving_the_same_return_twice_at_once_restocks_once(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))

    outcomes = run_at_once(
        *[lambda: services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2}) for _ in range(4)]
    )

    assert all(isinstance(o, ReturnRequest) for o in outcomes), outcomes
    assert Product.objects.get(sku=NAPKINS["sku"]).stock_on_hand == 2
    assert request.case.events.filter(verb="return_status_changed", new="received").count() == 1


def test_inspecting_the_same_return_twice_at_once_refunds_once(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})
    inspect = [services.InspectLine(NAPKINS["sku"], 2, "as_new")]

    outcomes = run_at_once(
        lambda: services.return_inspect(rma=request.rma, lines=inspect),
        lambda: services.return_inspect(rma=request.rma, lines=inspect),
    )

    assert sum(isinstance(o, services.InspectionResult) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1
    assert Refund.objects.filter(order=delivered_order).count() == 1


def test_two_requests_for_the_last_item_at_once_give_one_return(delivered_order):
    outcomes = run_at_once(
        lambda: make_return(delivered_order, return_line(delivered_order, quantity=2)),
        lambda: make_return(delivered_order, return_line(delivered_order, quantity=2)),
    )

    assert sum(isinstance(o, ReturnRequest) for o in outcomes) == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
