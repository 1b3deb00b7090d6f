"""Pickup at the buyer's door through EasyPost: booked once after the label, or the label alone and why.

EasyPost is `FakeEasyPost`, which also books pickups (`/v2/pickups`, `/buy`) for
the carriers in its `pickup_carriers`; the worker's task runs as in the label tests.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.formats import date_format

from cases.models import OutboundCall, OutboundStatus
from integrations.providers.easypost_pickups import pickup_window
from integrations.services import integration_configure
from returns.models import LabelSource, ReturnPolicy, ReturnStatus
from tests.factories import NAPKINS, make_order, make_return, track
from tests.portal.conftest import scope

from .fake_easypost import API_KEY, FakeEasyPost
from .test_easypost import EP_SECRET
from .test_easypost_labels import deliver, label_mail

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def fake():
    server = FakeEasyPost(qr_carriers=(), pickup_carriers=("UPS",)).start()
    yield server
    server.stop()


def _policy(shop, fake, carriers: str) -> ReturnPolicy:
    integration_configure(shop=shop, source="easypost", secret=EP_SECRET, api_key=API_KEY, api_url=fake.url)
    return ReturnPolicy.objects.create(
        shop=shop,
        label_source=LabelSource.EASYPOST,
        label_carriers=carriers,
        pickup_weight_threshold_g=0,
        return_name="Leinen & Liebe Retouren",
        return_line1="Lagerweg 3",
        return_postal_code="10245",
        return_city="Berlin",
        return_country="DE",
    )


@pytest.fixture
def order(shop, carrier):
    order = make_order(shop, language="en", lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    return order


def pickup_buys(fake) -> list[dict]:
    return [r for r in fake.requests if r["path"].startswith("/v2/pickups/") and r["path"].endswith("/buy")]


def test_a_pickup_return_books_one_pickup_after_a_500_and_the_buyer_reads_when(client, shop, fake, order):
    _policy(shop, fake, "UPS")
    fake.then("ok", "ok", "ok", "500")  # shipment, buy, pickup made, then its purchase fails
    request = make_return(order, method="pickup")

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING
    pickup_id = OutboundCall.objects.get(case=request.case).payload["pickup_id"]
    deliver(later=3600)
    deliver(later=7200)  # a late duplicate: nothing more is bought

    # One shipment bought, one pickup made and bought: the retry looked the pickup up by its id.
    assert len(fake.bought) == 1 and list(fake.pickups) == [pickup_id]
    assert len(fake.pickups_bought) == 1 and len(pickup_buys(fake)) == 2  # the 500 and the purchase
    assert ("GET", f"/v2/pickups/{pickup_id}") in [(r["method"], r["path"]) for r in fake.requests]
    pickup = fake.pickups[pickup_id]
    assert pickup["address"]["street1"] == "Lindenstraße 4" and pickup["is_account_address"] is False
    assert pickup["instructions"] == f"Return {request.rma}"
    assert pickup["reference"] == OutboundCall.objects.get(case=request.case).idempotency_key
    assert fake.pickups_bought[0]["rate"]["service"] == "Future-day Pickup"  # UPS's cheaper pickup

    # The window is 09:00 to 17:00 Berlin time on a working day after today.
    start = datetime.fromisoformat(pickup["min_datetime"]).astimezone(BERLIN)
    end = datetime.fromisoformat(pickup["max_datetime"]).astimezone(BERLIN)
    assert start.weekday() < 5 and start.date() == end.date() > datetime.now(BERLIN).date()
    assert (start.hour, end.hour) == (9, 17)

    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert request.pickup_confirmation == pickup["confirmation"] and request.pickup_from == start
    verbs = list(request.case.events.values_list("verb", flat=True))
    assert verbs.count("return_pickup_booked") == 1 and "return_pickup_not_booked" not in verbs

    with translation.override("en"):
        day = date_format(start.date(), "DATE_FORMAT")  # "Dec. 8, 2026"
    said = f"Picked up at your door on {day} between 09:00 and 17:00 (confirmation {pickup['confirmation']})"
    assert said in label_mail(request)
    scope(client, order)
    page = client.get(f"/portal/leinen/order/{order.number}/return/{request.rma}/?lang=en").content.decode()
    assert said in page


def test_a_carrier_without_pickup_keeps_the_label_and_the_buyer_hands_it_in(client, shop, fake, order):
    _policy(shop, fake, "USPS")
    request = make_return(order, method="pickup")

    deliver()

    assert len(fake.bought) == 1 and fake.pickups_bought == []
    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED and request.label_pdf
    assert request.pickup_confirmation == "" and request.pickup_from is None
    event = request.case.events.get(verb="return_pickup_not_booked")
    assert "USPS offers no pickup" in event.data["reason"]
    text = label_mail(request)
    assert "USPS does not collect this parcel at your door" in text and "Picked up" not in text


def test_a_drop_off_return_books_no_pickup(shop, fake, order):
    _policy(shop, fake, "UPS")
    make_return(order, method="drop_off")

    deliver()

    assert len(fake.bought) == 1 and fake.pickups == {}


def test_the_window_skips_the_weekend():
    friday_evening = datetime(2026, 12, 11, 20, 0, tzinfo=BERLIN)
    start, end = pickup_window("Europe/Berlin", friday_evening)
    assert (start, end) == (
        datetime(2026, 12, 14, 9, 0, tzinfo=BERLIN),
        datetime(2026, 12, 14, 17, 0, tzinfo=BERLIN),
    )


def test_a_label_sent_again_after_the_missed_pickup_books_one_new_pickup_and_the_mail_says_when(
    shop, fake, order
):
    from datetime import timedelta

    from django.utils import timezone

    from messaging.models import OutboundMessage
    from returns.models import ReturnRequest
    from returns.services import return_label_issue

    _policy(shop, fake, "UPS")
    request = make_return(order, method="pickup")
    deliver()
    [first_pickup] = fake.pickups
    # The window passed and the parcel is still at the buyer's: she asks for the label again.
    ReturnRequest.objects.filter(pk=request.pk).update(
        pickup_from=timezone.now() - timedelta(days=1, hours=8),
        pickup_until=timezone.now() - timedelta(days=1),
    )

    return_label_issue(rma=request.rma)
    return_label_issue(rma=request.rma)  # asked twice before the worker ran: still one new pickup
    deliver()
    deliver(later=3600)

    assert len(fake.bought) == 1  # the label is not bought again
    assert len(fake.pickups) == 2 and len(fake.pickups_bought) == 2
    [second_pickup] = [pickup_id for pickup_id in fake.pickups if pickup_id != first_pickup]
    request.refresh_from_db()
    assert fake.pickups[second_pickup]["shipment_id"] == request.label_reference
    assert request.pickup_confirmation == fake.pickups[second_pickup]["confirmation"]
    assert request.pickup_until > timezone.now()
    verbs = list(request.case.events.values_list("verb", flat=True))
    assert verbs.count("return_pickup_booked") == 2
    # The first label mail, then one more with the new window (not one per click before it was booked).
    mails = OutboundMessage.objects.filter(case=request.case, event="return_label")
    assert mails.count() == 2
    assert request.pickup_confirmation in label_mail(request)


def test_a_label_sent_again_before_the_pickup_day_books_nothing_new(shop, fake, order):
    from returns.services import return_label_issue

    _policy(shop, fake, "UPS")
    request = make_return(order, method="pickup")
    deliver()

    return_label_issue(rma=request.rma)
    deliver()

    assert len(fake.pickups) == 1
    assert request.case.outbound_calls.count() == 1
