"""seed_demo: run once or twice, it leaves one demo that its users can log into."""

from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from cases.models import Case, Refund
from claims.models import CarrierClaim
from orders.models import Buyer, Order, Payment, Shipment, Shop, TrackingEvent


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


def test_seed_demo_twice_settles_no_more_cases(demo, db):
    before = (Case.objects.count(), Refund.objects.count(), CarrierClaim.objects.count())

    call_command("seed_demo", verbosity=0)

    assert (Case.objects.count(), Refund.objects.count(), CarrierClaim.objects.count()) == before


def test_seed_demo_prints_an_api_token_for_the_owner(demo, db):
    out = StringIO()

    call_command("seed_demo", verbosity=0, stdout=out)

    assert Token.objects.get(user__username="owner").key in out.getvalue()


def test_owner_logs_into_the_admin_with_the_demo_password(demo, db, client):
    assert client.login(username="owner", password="owner")

    assert client.get("/admin/").status_code == 200


def test_agent_opens_the_desk_with_the_demo_password(demo, db, client):
    assert client.login(username="agent", password="agent")

    assert client.get("/desk/").status_code == 200
