"""Inspection's steps on their own: the outcome it decides, and what it refuses before it records anything."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from messaging.models import OutboundMessage
from orders.models import Order, Product
from returns import services
from returns.models import NOTHING_ACCEPTED, Resolution, ReturnLine, ReturnStatus
from returns.services import InspectLine
from returns.services.inspect import Outcome, inspection_outcome
from tests.factories import NAPKINS, TABLECLOTH, make_return, return_line


def inspected(quantity, received, accepted):
    return ReturnLine(quantity=quantity, received_quantity=received, accepted_quantity=accepted)


def test_nothing_accepted_rejects_even_an_exchange():
    lines = [inspected(2, 2, 0), inspected(1, 1, 0)]

    assert inspection_outcome(resolution=Resolution.EXCHANGE, lines=lines) == Outcome.REJECTED


def test_something_accepted_on_an_exchange_is_an_exchange():
    lines = [inspected(2, 2, 1)]

    assert inspection_outcome(resolution=Resolution.EXCHANGE, lines=lines) == Outcome.EXCHANGE


def test_a_refund_is_partial_when_some_of_what_arrived_was_not_accepted():
    lines = [inspected(2, 2, 2), inspected(1, 1, 0)]

    assert inspection_outcome(resolution=Resolution.REFUND, lines=lines) == Outcome.PARTIAL_REFUND


def test_items_that_never_arrived_do_not_make_the_refund_partial():
    # The buyer kept one of the two: what arrived was all accepted, and that is what the e-mail says.
    lines = [inspected(2, 1, 1), inspected(1, 0, 0)]

    assert inspection_outcome(resolution=Resolution.REFUND, lines=lines) == Outcome.REFUND


@pytest.mark.django_db
def test_a_return_rejected_at_inspection_keeps_the_reason_and_tells_the_buyer(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 0, "damaged")])

    request.refresh_from_db()
    assert request.reject_reason == NOTHING_ACCEPTED
    mail = OutboundMessage.objects.get(case=request.case, event="inspection_result")
    assert (mail.context["outcome"], mail.context["all_accepted"]) == ("rejected", False)


@pytest.mark.django_db
def test_an_item_listed_twice_is_refused_and_nothing_is_recorded(delivered_order):
    request = make_return(
        delivered_order, return_line(delivered_order), return_line(delivered_order, TABLECLOTH["sku"])
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1, TABLECLOTH["sku"]: 1})
    napkins = InspectLine(NAPKINS["sku"], 1, "as_new")

    with pytest.raises(ValidationError) as error:
        services.return_inspect(
            rma=request.rma, lines=[napkins, napkins, InspectLine(TABLECLOTH["sku"], 1, "as_new")]
        )

    assert [e.code for e in error.value.error_dict["lines[1]"]] == ["duplicate_line"]
    assert not request.lines.exclude(condition="").exists()


@pytest.mark.django_db
def test_an_exchange_for_a_product_the_shop_does_not_have_is_refused_and_nothing_changes(delivered_order):
    request = make_return(
        delivered_order, return_line(delivered_order, reason="too_small"), resolution="exchange"
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    orders_before = Order.objects.count()

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.return_inspect(
            rma=request.rma,
            lines=[InspectLine(NAPKINS["sku"], 1, "as_new")],
            exchange_skus={NAPKINS["sku"]: "SERV-LEIN-12-XXL"},
        )

    assert [e.code for e in error.value.error_dict[f"exchange.{NAPKINS['sku']}"]] == ["unknown_product"]
    assert error.value.message_dict[f"exchange.{NAPKINS['sku']}"] == [
        "No product SERV-LEIN-12-XXL in this shop."
    ]
    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
    assert Order.objects.count() == orders_before
    assert Product.objects.get(sku=NAPKINS["sku"]).stock_on_hand == 1
