from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from orders.models import Buyer, Order, Payment, Shipment, Shop, TrackingEvent, TrackingStatus


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seed once for the whole module (it takes seconds) and roll it all back afterwards.

    Each test still runs in its own savepoint inside this transaction, so what a
    test changes is undone before the next one.
    """
    # The same fast hasher as tests/conftest.py, which applies per test, after this fixture ran.
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic(), fast_hashing:
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        "shops": Shop.objects.count(),
        "users": User.objects.count(),
        "buyers": Buyer.objects.count(),
        "orders": Order.objects.count(),
        "payments": Payment.objects.count(),
        "shipments": Shipment.objects.count(),
        "events": TrackingEvent.objects.count(),
    }


def test_seed_demo_twice_leaves_the_same_counts(demo, db):
    before = counts()

    call_command("seed_demo", verbosity=0)

    assert counts() == before
    assert 280 <= before["orders"] <= 320


def test_seed_demo_prints_an_api_token_for_the_owner(demo, db):
    out = StringIO()

    call_command("seed_demo", verbosity=0, stdout=out)

    assert Token.objects.get(user__username="owner").key in out.getvalue()


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


def test_owner_logs_into_the_admin_with_the_demo_password(demo, db, client):
    assert client.login(username="owner", password="owner")

    assert client.get("/admin/").status_code == 200


def test_agent_opens_the_desk_with_the_demo_password(demo, db, client):
    assert client.login(username="agent", password="agent")

    assert client.get("/desk/").status_code == 200
