"""The parcel comes back: in transit once scanned, restocked once when it arrives."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseStatus
from orders.models import Product
from returns import services
from returns.models import ReturnRequest, ReturnStatus
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, make_return, return_line

from .conftest import mails, stock

pytestmark = pytest.mark.django_db


def test_a_carrier_scan_puts_the_return_in_transit_once(delivered_order):
    request = make_return(delivered_order)

    services.return_mark_in_transit(rma=request.rma, tracking_number="00340434999")
    services.return_mark_in_transit(rma=request.rma, tracking_number="00340434999")

    request.refresh_from_db()
    assert request.status == ReturnStatus.IN_TRANSIT
    assert request.case.status == CaseStatus.WAITING_ON_CARRIER
    assert request.case.events.filter(verb="return_status_changed", new="in_transit").count() == 1


def test_receiving_restocks_and_tells_the_buyer(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))

    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
    assert stock(NAPKINS["sku"]) == 2
    assert mails(request)[-1] == "return_received"


def test_receiving_the_same_parcel_again_does_not_restock_again(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    assert stock(NAPKINS["sku"]) == 2
    assert mails(request).count("return_received") == 1


def test_a_corrected_count_restocks_the_difference(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    assert stock(NAPKINS["sku"]) == 1


def test_more_than_announced_cannot_be_received(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=1))

    with pytest.raises(ValidationError) as error:
        services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})
    assert f"lines.{NAPKINS['sku']}" in error.value.message_dict
    assert stock(NAPKINS["sku"]) == 0


def test_a_parcel_that_arrives_after_expiry_is_still_taken_in(delivered_order):
    request = make_return(delivered_order)
    services.return_expire_stale(now=timezone.now() + timedelta(days=30))

    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
    assert request.expired_at is None
    assert request.case.status == CaseStatus.IN_PROGRESS


@row_locks
def test_receiving_the_same_return_twice_at_once_restocks_once(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))

    outcomes = run_at_once(
        *[lambda: services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2}) for _ in range(4)]
    )

    assert all(isinstance(o, ReturnRequest) for o in outcomes), outcomes
    assert Product.objects.get(sku=NAPKINS["sku"]).stock_on_hand == 2
    assert request.case.events.filter(verb="return_status_changed", new="received").count() == 1
