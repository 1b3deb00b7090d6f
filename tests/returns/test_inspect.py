"""Inspection: the outcome it decides, the refund and e-mail that follow, and what it refuses before
it records anything."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from cases.models import CaseStatus, Refund
from cases.refunds import add_business_days
from config.errors import Conflict
from messaging.models import OutboundMessage
from orders.models import Order, Product
from returns import services
from returns.models import NOTHING_ACCEPTED, Resolution, ReturnLine, ReturnStatus
from returns.services import InspectLine
from returns.services.inspect import Outcome, inspection_outcome
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, TABLECLOTH, make_return, return_line

from .conftest import mail_text, mails, stock


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
    assert mails(request)[-2:] == ["inspection_result", "refund_initiated"]
    mail = OutboundMessage.objects.get(case=request.case, event="refund_initiated")
    assert mail.context["amount"] == "138.80"
    assert mail.context["expected_date"] == refund.expected_arrival.isoformat()


@pytest.mark.django_db
def test_a_second_inspection_is_refused_and_nothing_is_refunded_twice(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])

    with pytest.raises(Conflict):
        services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])

    assert Refund.objects.filter(order=delivered_order).count() == 1


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_nothing_accepted_rejects_the_return_without_a_refund(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    result = services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 0, "damaged")])

    assert result.refund is None
    request.refresh_from_db()
    assert request.status == ReturnStatus.REJECTED
    assert not Refund.objects.exists()


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
def test_the_inspection_email_lists_each_item_and_the_amount(delivered_order):
    request = make_return(
        delivered_order,
        return_line(delivered_order, quantity=2),
        return_line(delivered_order, sku=TABLECLOTH["sku"]),
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2, TABLECLOTH["sku"]: 1})
    services.return_inspect(
        rma=request.rma,
        lines=[
            InspectLine(NAPKINS["sku"], 1, "opened", notes="Eine Serviette hat einen Rotweinfleck."),
            InspectLine(TABLECLOTH["sku"], 1, "as_new"),
        ],
    )

    text = mail_text(request, "inspection_result")
    assert "Leinenservietten" in text and "1 von 2 angenommen" in text
    assert "Rotweinfleck" in text
    assert "Tischdecke Leinen 160 cm: angenommen" in text
    request.refresh_from_db()
    # As a German buyer writes money: "113,90 €" (issue 15), not "113.90 EUR".
    assert f"{request.refund.amount}".replace(".", ",") + "\xa0€" in text


@pytest.mark.django_db
def test_an_exchange_is_announced_as_an_exchange_not_a_refund(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2), resolution="exchange")
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})
    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 2, "as_new")])

    text = mail_text(request, "inspection_result")
    assert "Umtausch" in text
    assert "Erstattung" not in text


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_inspection_before_the_parcel_arrived_is_refused(delivered_order):
    request = make_return(delivered_order)

    with pytest.raises(Conflict):
        services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])


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


def _png(name="foto.png"):
    out = BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_inspection_photos_are_kept_with_the_line(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    services.return_inspect(
        rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "opened", notes="Fleck", photos=(_png(),))]
    )

    photo = request.lines.get().photos.get()
    assert photo.content_type == "image/png"


@pytest.mark.django_db
def test_an_inspection_photo_that_is_not_a_picture_is_refused(delivered_order):
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


@row_locks
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
