"""The demo's shops, buyers, orders and parcels: the stories a small shop lives through."""

from datetime import timedelta

import pytest
from django.utils import timezone

from demo import orders as demo
from orders.models import Buyer, Order, Payment, Shipment, Shop, TrackingStatus
from returns.models import ReturnPolicy


def test_demo_has_a_german_and_a_swedish_shop(demo, db):
    german = Shop.objects.get(slug="leinen-liebe")
    swedish = Shop.objects.get(slug="linnestugan")

    assert (german.name, german.currency, german.default_language, german.time_zone) == (
        "Leinen & Liebe",
        "EUR",
        "de",
        "Europe/Berlin",
    )
    assert (swedish.name, swedish.currency, swedish.default_language, swedish.time_zone) == (
        "Linnestugan",
        "SEK",
        "sv",
        "Europe/Stockholm",
    )
    assert german.support_email and german.support_phone and german.support_url
    assert set(german.carriers.values_list("code", flat=True)) == {"dhl", "dpd", "hermes", "ups"}
    assert set(swedish.carriers.values_list("code", flat=True)) == {"postnord", "bring", "dhl", "ups"}


def test_demo_buyers_speak_german_swedish_and_english(demo, db):
    assert set(Buyer.objects.values_list("language", flat=True)) == {"de", "sv", "en"}


def test_demo_orders_span_the_last_ninety_days(demo, db):
    now = timezone.now()
    oldest = Order.objects.order_by("placed_at").first().placed_at

    assert now - timedelta(days=91) <= oldest <= now - timedelta(days=80)
    assert not Order.objects.filter(placed_at__gt=now).exists()


def test_demo_napkins_weigh_545_g_a_dozen_and_monograms_have_three_letters(demo, db):
    order = Order.objects.get(buyer__email="sabine.kroeger@web.example")
    line = order.lines.get()
    shipment = order.shipments.get()

    assert (line.quantity, line.unit_weight_g) == (4, 545)
    assert shipment.packed_weight_g == 2430
    monograms = [
        field["value"]
        for line in Order.objects.get(
            needed_by__isnull=False, buyer__email__startswith="johanna.brandt"
        ).lines.all()
        for field in line.personalisation
        if field["label"] == "Monogramm"
    ]
    assert monograms and all(len(value) == 3 for value in monograms)


def test_demo_parcels_are_delivered_in_transit_stalled_returned_and_failed(demo, db):
    week_ago = timezone.now() - timedelta(days=8)
    shipments = Shipment.objects.all()

    assert shipments.filter(status=TrackingStatus.DELIVERED).exclude(signed_by="").exists()
    assert shipments.filter(status=TrackingStatus.IN_TRANSIT, last_event_at__gte=week_ago).exists()
    assert shipments.filter(status=TrackingStatus.IN_TRANSIT, last_event_at__lt=week_ago).exists()
    assert shipments.filter(status=TrackingStatus.RETURNED_TO_SENDER).exists()
    assert shipments.filter(status=TrackingStatus.DELIVERY_FAILED).exists()


def test_demo_wedding_order_is_needed_soon_and_its_parcel_stalled(demo, db):
    order = Order.objects.get(buyer__email__startswith="johanna.brandt", needed_by__isnull=False)
    shipment = order.shipments.get()

    assert order.needed_by <= timezone.localdate() + timedelta(days=7)
    assert shipment.status == TrackingStatus.IN_TRANSIT
    assert shipment.last_event_at < timezone.now() - timedelta(days=8)


def test_demo_has_flagged_buyers_with_reasons(demo, db):
    flagged = Buyer.objects.exclude(risk_flag="none")

    assert flagged.filter(risk_flag="questionable", risk_reason__startswith="fragwürdig").exists()
    assert all(buyer.risk_reason and buyer.risk_set_by for buyer in flagged)


def test_demo_has_an_uncleared_personal_cheque_on_a_rush_order(demo, db):
    payment = Payment.objects.select_related("order").get(method="personal_cheque")

    assert payment.cleared_at is None
    assert payment.order.is_rush
    assert payment.order.needed_by is not None


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [demo.DE_SHOP, demo.SE_SHOP])
def test_each_demo_shop_has_a_complete_return_address(slug):
    shop = Shop(slug=slug, name=demo.SHOPS[slug]["name"])
    policy = ReturnPolicy(shop=shop, **demo.RETURN_POLICIES[slug])

    assert policy.has_return_address
    assert len(policy.return_address_lines) >= 4
