"""The integrations admin: owners manage connections, never see a secret, retry what failed."""

from django.contrib.auth.models import Group

from config.roles import OWNERS
from integrations.models import InboundStatus

from .conftest import process_all
from .shopify import FULFILMENT, SECRET, send


def test_owners_may_manage_integrations(owner):
    codenames = set(Group.objects.get(name=OWNERS).permissions.values_list("codename", flat=True))
    assert {"add_integration", "change_integration", "view_inboundevent", "change_inboundevent"} <= codenames


def test_admin_never_shows_the_stored_secret(owner_client, shop, connect):
    integration = connect("stripe", "whsec_very_secret_value")

    page = owner_client.get(f"/admin/integrations/integration/{integration.pk}/change/")

    assert page.status_code == 200
    assert b"whsec_very_secret_value" not in page.content
    assert b"/hooks/stripe/leinen/" in page.content


def test_admin_change_without_a_secret_keeps_the_stored_one(owner_client, shop, connect):
    integration = connect("stripe", "whsec_keep_me")

    response = owner_client.post(
        f"/admin/integrations/integration/{integration.pk}/change/",
        {"shop": shop.pk, "source": "stripe", "secret": "", "api_key": "", "active": "on"},
    )

    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.signing_secret == "whsec_keep_me"


def test_admin_lists_recent_failures_and_retries_them(owner_client, web, shop, connect):
    connect("shopify", SECRET)
    send(web, shop, FULFILMENT, topic="fulfillments/create", webhook_id="f-1")
    [failed] = process_all()
    assert failed.status == InboundStatus.FAILED

    listing = owner_client.get("/admin/integrations/integration/")
    assert b"status__exact=failed" in listing.content

    response = owner_client.post(
        "/admin/integrations/inboundevent/",
        {"action": "retry", "_selected_action": [failed.pk]},
    )

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == InboundStatus.RECEIVED
