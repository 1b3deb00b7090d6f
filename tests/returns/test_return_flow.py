"""A return from request to refund or exchange, through the real services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseStatus, Refund
from cases.refunds import add_business_days
from config.errors import Conflict
from messaging.models import OutboundMessage
from orders.models import Product
from orders.services import orders_upsert
from returns import services
from returns.models import ReturnStatus
from returns.services import InspectLine
from tests.factories import NAPKINS, TABLECLOTH, make_return, return_line

pytestmark = pytest.mark.django_db


def events(request):
    return list(
        OutboundMessage.objects.filter(case=request.case).order_by("id").values_list("event", flat=True)
    )


def stock(sku):
    return Product.objects.get(sku=sku).stock_on_hand


def test_request_within_policy_is_approved_and_gets_a_label(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))

    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert request.rma.startswith(f"R-{timezone.now():%Y}-")
    assert request.label_pdf.read().startswith(b"%PDF")
    assert request.case.kind == "return"
    assert request.case.status == CaseStatus.WAITING_ON_BUYER
    assert events(request) == ["return_requested", "return_label"]
    label_mail = OutboundMessage.objects.get(case=request.case, event="return_label")
    assert label_mail.attachments.get().filename == f"{request.rma}.pdf"


def test_every_status_change_is_on_the_case_timeline(delivered_order):
    request = make_return(delivered_order)

    moves = list(request.case.events.filter(verb="return_status_changed").values_list("old", "new"))
    assert moves == [("requested", "approved"), ("approved", "label_issued")]


def test_receiving_restocks_and_tells_the_buyer(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))

    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
    assert stock(NAPKINS["sku"]) == 2
    assert events(request)[-1] == "return_received"


def test_receiving_the_same_parcel_again_does_not_restock_again(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    assert stock(NAPKINS["sku"]) == 2
    assert events(request).count("return_received") == 1


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


def test_inspection_refunds_accepted_goods_through_the_shared_refund_service(delivered_order):
    request = make_return(
        delivered_order,
        return_line(delivered_order, quantity=2),
        return_line(delivered_order, TABLECLOTH["sku"]),
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2, TABLECLOTH["sku"]: 1})

    result = services.return_inspect(
        rma=request.rma,
        lines=[InspectLine(NAPKINS["sku"], 2, "as_new"), InspectLine(TABLECLOTH["sku"], 1, "as_new")],
    )

    refund = result.refund
    assert refund.amount == Decimal("138.80")
    assert refund.idempotency_key == f"return-{request.pk}-refund"
    assert refund.case == request.case
    assert refund.expected_arrival == add_business_days(timezone.localdate(), 5)
    request.refresh_from_db()
    assert request.status == ReturnStatus.REFUNDED
    assert request.case.status == CaseStatus.RESOLVED
    assert events(request)[-2:] == ["inspection_result", "refund_initiated"]
    mail = OutboundMessage.objects.get(case=request.case, event="refund_initiated")
    assert mail.context["amount"] == "138.80"
    assert mail.context["expected_date"] == refund.expected_arrival.isoformat()


def test_a_second_inspection_is_refused_and_nothing_is_refunded_twice(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])

    with pytest.raises(Conflict):
        services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])

    assert Refund.objects.filter(order=delivered_order).count() == 1


def test_used_goods_are_refunded_less_the_restocking_fee_and_partly(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2))
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})

    result = services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "used")])

    # 24.90 accepted, 20 % restocking fee for used goods (the default policy).
    assert result.refund.amount == Decimal("19.92")
    request.refresh_from_db()
    assert request.status == ReturnStatus.PARTLY_REFUNDED
    line_ = request.lines.get()
    assert (line_.received_quantity, line_.accepted_quantity, line_.rejected_quantity) == (2, 1, 1)
    # Both came back to stock on receipt; the rejected one left it again.
    assert stock(NAPKINS["sku"]) == 1


def test_nothing_accepted_rejects_the_return_without_a_refund(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    result = services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 0, "damaged")])

    assert result.refund is None
    request.refresh_from_db()
    assert request.status == ReturnStatus.REJECTED
    assert not Refund.objects.exists()


def test_every_received_item_must_be_inspected(delivered_order):
    request = make_return(
        delivered_order, return_line(delivered_order), return_line(delivered_order, TABLECLOTH["sku"])
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1, TABLECLOTH["sku"]: 1})

    with pytest.raises(ValidationError) as error:
        services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])

    assert "lines" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED


def test_inspection_before_the_parcel_arrived_is_refused(delivered_order):
    request = make_return(delivered_order)

    with pytest.raises(Conflict):
        services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])


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
    assert events(request)[-1] == "inspection_result"
    assert "exchange_shipped" not in events(request)


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


def test_below_the_keep_item_value_the_buyer_is_refunded_and_keeps_the_goods(delivered_order):
    policy = services.policy_for(delivered_order.shop)
    policy.keep_item_below = Decimal("30.00")
    policy.save()

    request = make_return(delivered_order)

    request.refresh_from_db()
    assert request.keep_item
    assert request.status == ReturnStatus.REFUNDED
    assert request.refund.amount == Decimal("24.90")
    assert not request.label_pdf
    assert request.case.cost_total == Decimal("24.90")


def test_a_request_outside_the_policy_waits_for_an_agent(delivered_order, agent):
    delivered_order.lines.filter(sku=NAPKINS["sku"]).update(
        personalisation=[{"label": "Monogramm", "value": "AB"}]
    )

    request = make_return(delivered_order, outside_policy=True)

    request.refresh_from_db()
    assert request.status == ReturnStatus.REQUESTED
    assert [e["code"] for e in request.policy_exceptions] == ["personalised"]

    services.return_approve(rma=request.rma, actor=agent, reason="Kulanz")

    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED


def test_approving_twice_is_a_conflict(delivered_order, agent):
    request = make_return(delivered_order)

    with pytest.raises(Conflict):
        services.return_approve(rma=request.rma, actor=agent)


def test_closing_asks_for_feedback(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])

    services.return_close(rma=request.rma)

    request.refresh_from_db()
    assert request.status == ReturnStatus.CLOSED
    assert request.case.status == CaseStatus.CLOSED
    assert events(request)[-1] == "feedback_request"


def test_a_carrier_scan_puts_the_return_in_transit_once(delivered_order):
    request = make_return(delivered_order)

    services.return_mark_in_transit(rma=request.rma, tracking_number="00340434999")
    services.return_mark_in_transit(rma=request.rma, tracking_number="00340434999")

    request.refresh_from_db()
    assert request.status == ReturnStatus.IN_TRANSIT
    assert request.case.status == CaseStatus.WAITING_ON_CARRIER
    assert request.case.events.filter(verb="return_status_changed", new="in_transit").count() == 1


def test_a_return_without_a_scan_expires_and_the_buyer_is_told(delivered_order):
    request = make_return(delivered_order)
    later = timezone.now() + timedelta(days=22)

    expired = services.return_expire_stale(now=later)

    request.refresh_from_db()
    assert expired == 1
    assert request.status == ReturnStatus.EXPIRED
    assert events(request)[-1] == "return_expired"
    assert services.return_expire_stale(now=later) == 0


def test_a_scanned_return_does_not_expire(delivered_order):
    request = make_return(delivered_order)
    services.return_mark_in_transit(rma=request.rma)

    assert services.return_expire_stale(now=timezone.now() + timedelta(days=60)) == 0


def test_a_return_within_its_label_period_does_not_expire(delivered_order):
    make_return(delivered_order)

    assert services.return_expire_stale(now=timezone.now() + timedelta(days=20)) == 0


def test_the_beat_task_expires_stale_returns(delivered_order):
    from returns.tasks import expire_stale_returns

    request = make_return(delivered_order)
    type(request).objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert expire_stale_returns() == 1


def test_a_parcel_that_arrives_after_expiry_is_still_taken_in(delivered_order):
    request = make_return(delivered_order)
    services.return_expire_stale(now=timezone.now() + timedelta(days=30))

    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
    assert request.expired_at is None
    assert request.case.status == CaseStatus.IN_PROGRESS


def _png(name="foto.png"):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_inspection_photos_are_kept_with_the_line(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    services.return_inspect(
        rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "opened", notes="Fleck", photos=(_png(),))]
    )

    photo = request.lines.get().photos.get()
    assert photo.content_type == "image/png"


def test_an_inspection_photo_that_is_not_a_picture_is_refused(delivered_order):
    from django.core.files.uploadedfile import SimpleUploadedFile

    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    fake = SimpleUploadedFile("foto.png", b"MZ not a picture", content_type="image/png")

    with pytest.raises(ValidationError) as error:
        services.return_inspect(
            rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "opened", photos=(fake,))]
        )

    assert "lines[0].photos" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == ReturnStatus.RECEIVED
