"""What may be returned: the window from delivery, non-returnable goods, what was returned already."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orders.models import Order, Product
from returns import services
from returns.eligibility import order_returnable_lines
from returns.models import ReturnStatus
from returns.services import InspectLine
from tests.factories import NAPKINS, TABLECLOTH, make_order, make_return, return_line, track

pytestmark = pytest.mark.django_db


def test_a_return_on_the_last_day_of_the_window_is_accepted(shop, carrier):
    order = make_order(shop, shipped_days_ago=20)
    track(order, "delivered", days_ago=14)

    assert make_return(order).status == ReturnStatus.LABEL_ISSUED


def test_a_return_after_the_window_is_refused(shop, carrier):
    order = make_order(shop, shipped_days_ago=20)
    track(order, "delivered", days_ago=15)

    with pytest.raises(ValidationError) as error:
        make_return(order)
    assert "window" in error.value.message_dict["order"][0]


def test_the_window_follows_the_shops_policy(shop, carrier):
    policy = services.policy_for(shop)
    policy.window_days = 30
    policy.save()
    order = make_order(shop, shipped_days_ago=30)
    track(order, "delivered", days_ago=25)

    assert make_return(order).status == ReturnStatus.LABEL_ISSUED


def test_a_buyer_may_withdraw_before_the_parcel_is_delivered(shop, carrier):
    order = make_order(shop, shipped_days_ago=40)

    assert make_return(order).status == ReturnStatus.LABEL_ISSUED


def test_personalised_goods_are_refused(shop, carrier):
    order = make_order(
        shop, lines=[dict(NAPKINS, quantity=1, personalisation=[{"label": "Monogramm", "value": "A.B."}])]
    )
    track(order, "delivered", days_ago=1)

    with pytest.raises(ValidationError) as error:
        make_return(order)
    assert "lines[0].sku" in error.value.message_dict


def test_products_marked_not_returnable_are_refused(delivered_order):
    Product.objects.filter(sku=TABLECLOTH["sku"]).update(returnable=False)

    with pytest.raises(ValidationError):
        make_return(delivered_order, return_line(delivered_order, TABLECLOTH["sku"]))


def test_no_more_can_be_returned_than_was_bought(delivered_order):
    with pytest.raises(ValidationError) as error:
        make_return(delivered_order, return_line(delivered_order, quantity=3))
    assert "lines[0].quantity" in error.value.message_dict


def test_what_is_already_on_its_way_back_cannot_be_returned_again(delivered_order):
    make_return(delivered_order, return_line(delivered_order, quantity=2))

    with pytest.raises(ValidationError) as error:
        make_return(delivered_order, return_line(delivered_order, quantity=1))
    assert "returned already" in error.value.message_dict["lines[0].quantity"][0]


def test_the_rest_of_a_line_can_still_be_returned(delivered_order):
    make_return(delivered_order, return_line(delivered_order, quantity=1))

    assert (
        make_return(delivered_order, return_line(delivered_order, quantity=1)).status
        == ReturnStatus.LABEL_ISSUED
    )


def test_after_receipt_what_arrived_counts_not_what_was_announced(delivered_order):
    first = make_return(delivered_order, return_line(delivered_order, quantity=2))
    services.return_receive(rma=first.rma, lines={NAPKINS["sku"]: 1})
    services.return_inspect(rma=first.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])

    rows = {
        row["order_line"].sku: row
        for row in order_returnable_lines(delivered_order, first.order.shop.return_policy)
    }
    assert rows[NAPKINS["sku"]]["returnable_quantity"] == 1


def test_an_expired_return_frees_the_quantity_again(delivered_order):
    first = make_return(delivered_order, return_line(delivered_order, quantity=2))
    services.return_expire_stale(now=timezone.now() + timedelta(days=30))

    assert make_return(delivered_order, return_line(delivered_order, quantity=2)).rma != first.rma


def test_a_cancelled_order_cannot_be_returned(delivered_order):
    Order.objects.filter(pk=delivered_order.pk).update(cancelled_at=timezone.now())

    with pytest.raises(ValidationError) as error:
        make_return(delivered_order)
    assert "order" in error.value.message_dict


def test_pickup_is_only_offered_for_heavy_parcels(delivered_order):
    with pytest.raises(ValidationError) as error:
        make_return(delivered_order, method="pickup")
    assert "method" in error.value.message_dict

    heavy = services.policy_for(delivered_order.shop)
    heavy.pickup_weight_threshold_g = 500
    heavy.save()
    assert make_return(delivered_order, method="pickup").method == "pickup"


def test_exchanges_are_refused_when_the_shop_does_not_offer_them(delivered_order):
    policy = services.policy_for(delivered_order.shop)
    policy.exchanges_allowed = False
    policy.save()

    with pytest.raises(ValidationError) as error:
        make_return(delivered_order, resolution="exchange")
    assert "resolution" in error.value.message_dict


def test_the_portal_sees_what_is_left_to_return_line_by_line(delivered_order):
    make_return(delivered_order, return_line(delivered_order, quantity=1))
    policy = services.policy_for(delivered_order.shop)

    rows = {row["order_line"].sku: row for row in order_returnable_lines(delivered_order, policy)}

    assert rows[NAPKINS["sku"]]["returnable_quantity"] == 1
    assert rows[TABLECLOTH["sku"]]["returnable_quantity"] == 1
    assert rows[NAPKINS["sku"]]["window_ends_on"] == timezone.localdate() - timedelta(days=3) + timedelta(
        days=14
    )
