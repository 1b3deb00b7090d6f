"""Tracking updates to the buyer: opt-in per shop and status, one e-mail per parcel and status, in their language."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from messaging.models import BuyerEvent, OutboundMessage
from messaging.services.sending import outbox_send
from orders.services.tracking import tracking_events_ingest
from tests.factories import make_order, track

pytestmark = pytest.mark.django_db

EVERY_STATUS = [
    "in_transit",
    "out_for_delivery",
    "available_for_pickup",
    "delivered",
    "delivery_failed",
    "returned_to_sender",
]


@pytest.fixture
def opted_in(shop, carrier):
    shop.tracking_updates = EVERY_STATUS
    shop.save()
    return shop


def news_of(order):
    return list(OutboundMessage.objects.filter(shipment__order=order).order_by("id"))


def scan(order, status, **fields):
    shipment = order.shipments.select_related("carrier").first()
    event = {
        "carrier": shipment.carrier.code,
        "tracking_number": shipment.tracking_number,
        "event_id": f"{status}-{timezone.now().timestamp()}",
        "occurred_at": timezone.now() - timedelta(minutes=5),
        "status": status,
        **fields,
    }
    tracking_events_ingest(events=[event], source="test")


def test_out_for_delivery_tells_the_buyer_once_however_often_it_is_scanned(opted_in, locmem_mail):
    order = make_order(opted_in, email="karin@example.se", language="sv")

    track(order, "out_for_delivery", days_ago=0.2)
    track(order, "delivery_failed", days_ago=0.1)
    track(order, "out_for_delivery", days_ago=0.05)

    events = [m.event for m in news_of(order)]
    assert events == [BuyerEvent.TRACKING_OUT_FOR_DELIVERY, BuyerEvent.TRACKING_DELIVERY_FAILED]
    assert all(m.case_id is None and m.to_email == "karin@example.se" for m in news_of(order))


def test_a_status_the_shop_did_not_choose_sends_nothing(shop, carrier):
    shop.tracking_updates = ["delivered"]
    shop.save()
    order = make_order(shop)

    track(order, "out_for_delivery", days_ago=0.1)

    assert news_of(order) == []


def test_a_shop_that_did_not_opt_in_sends_nothing(shop, carrier):
    order = make_order(shop)

    track(order, "in_transit", days_ago=0.1)
    track(order, "delivered", days_ago=0.05)

    assert news_of(order) == []


def test_an_old_scan_arriving_late_is_no_news(opted_in):
    order = make_order(opted_in, shipped_days_ago=10)

    track(order, "delivered", days_ago=6)

    assert news_of(order) == []


def test_the_database_refuses_a_second_e_mail_for_the_same_parcel_and_status(opted_in):
    order = make_order(opted_in)
    track(order, "delivered", days_ago=0.1)
    [first] = news_of(order)

    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.create(
            shipment=first.shipment,
            event=first.event,
            to_email=first.to_email,
            message_id="<another@x>",
            reply_token="another",
        )


def test_waiting_at_a_pickup_point_names_the_address_and_the_last_day_in_german(opted_in, locmem_mail):
    order = make_order(opted_in, email="ingrid@example.de", language="de")
    last_day = timezone.localdate() + timedelta(days=7)
    point = "DHL Paketshop, Kiosk am Markt, Marktplatz 3, 10115 Berlin"

    scan(order, "available_for_pickup", pickup_point=point, pickup_until=last_day)
    [news] = news_of(order)
    outbox_send(message_id=news.pk)

    [email] = mail.outbox
    with translation.override("de"):
        day = date_format(last_day, "DATE_FORMAT")
    assert email.extra_headers["Content-Language"] == "de"
    assert point in email.body and point in email.alternatives[0][0]
    assert day in email.body
    assert order.number in email.body
    assert email.body.startswith("Guten Tag")
    news.refresh_from_db()
    assert news.status == "sent"


def test_news_names_the_order_not_a_case_in_its_footer(opted_in, locmem_mail):
    order = make_order(opted_in, email="jo@example.com", language="en")
    track(order, "in_transit", days_ago=0.1)
    [news] = news_of(order)

    outbox_send(message_id=news.pk)

    [email] = mail.outbox
    assert f"Your order {order.number} is on its way" == email.subject
    assert f"order {order.number}" in email.body
    assert "case" not in email.body.lower().split("--")[-1]
    assert "X-Postsale-Case" not in email.extra_headers


def test_owner_opts_in_to_statuses_in_the_shop_settings(owner, opted_in):
    client = Client()
    client.force_login(owner)

    page = client.get(f"/admin/orders/shop/{opted_in.pk}/change/").content.decode()

    assert 'name="tracking_updates"' in page and 'value="available_for_pickup"' in page
