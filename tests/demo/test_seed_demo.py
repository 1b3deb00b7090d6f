"""seed_demo: run once or twice, it leaves one demo that its users can log into."""

from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from cases.models import Case, Refund
from claims.models import CarrierClaim, Claim
from messaging.models import Audience, OutboundMessage, OwnerEvent
from messaging.services.outbox import notify_owners
from orders.models import Buyer, Order, Payment, Shipment, Shop, TrackingEvent
from tests.factories import log_in


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


def _printed_token(out: str) -> str:
    return out.split("API token for owner: ", 1)[1].split()[0]


def test_seed_demo_prints_an_api_token_for_the_owner_that_the_api_takes(demo, db):
    out = StringIO()

    call_command("seed_demo", verbosity=0, stdout=out)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {_printed_token(out.getvalue())}")
    assert api.get("/api/v1/orders/?shop=leinen-liebe").status_code == 200


def test_a_second_run_replaces_the_demo_token_and_stores_only_its_hash(demo, db):
    first, second = StringIO(), StringIO()
    call_command("seed_demo", verbosity=0, stdout=first)
    call_command("seed_demo", verbosity=0, stdout=second)

    [stored] = AuthToken.objects.filter(user__username="owner")
    token = _printed_token(second.getvalue())
    assert token not in (stored.digest, stored.token_key)
    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Token {_printed_token(first.getvalue())}")
    assert old.get("/api/v1/orders/").status_code == 401


def test_owner_logs_into_the_admin_with_the_demo_password_as_make_run_starts_it(demo, db, client, settings):
    settings.POSTSALE_REQUIRE_2FA = False  # `make run` sets it so

    assert log_in(client, "owner", "owner").status_code == 302

    assert client.get("/admin/").status_code == 200


def test_the_demo_owner_sets_up_a_second_factor_first_where_one_is_required(demo, db, client):
    log_in(client, "owner", "owner")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert (
        client.get(response["Location"], follow=True).redirect_chain[-1][0].startswith("/accounts/2fa/setup/")
    )


def test_agent_opens_the_desk_with_the_demo_password(demo, db, client):
    assert log_in(client, "agent", "agent").status_code == 302

    assert client.get("/desk/").status_code == 200


def test_the_demo_owner_hears_of_an_escalation_in_the_mailbox(demo, db):
    owner = User.objects.get(username="owner")
    case = Claim.objects.select_related("case").first().case

    [message] = notify_owners(case=case, event=OwnerEvent.OWNER_ESCALATION, context={"reason": "Zu teuer"})

    assert owner.email == "marlene@leinen-liebe.example"
    assert (message.audience, message.to_email) == (Audience.OWNER, owner.email)
    assert OutboundMessage.objects.filter(pk=message.pk, recipient_user=owner).exists()
