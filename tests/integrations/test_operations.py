"""Owners connect providers from the command line or the admin, see failures and retry them."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from config.roles import OWNERS
from integrations.models import InboundEvent, InboundStatus, Integration

from .conftest import process_all
from .test_shopify import FULFILMENT, ORDER, SECRET, order_payload, send


def test_configure_integration_prints_the_url_to_paste(shop, settings):
    settings.SITE_URL = "https://postsale.example"
    out = io.StringIO()

    call_command("configure_integration", shop=shop.slug, source="shopify", secret=SECRET, stdout=out)

    assert "https://postsale.example/hooks/shopify/leinen/" in out.getvalue()
    assert Integration.objects.get(shop=shop, source="shopify").signing_secret == SECRET


def test_configure_integration_again_replaces_the_secret(shop):
    call_command(
        "configure_integration", shop=shop.slug, source="aftership", secret="old", stdout=io.StringIO()
    )
    call_command(
        "configure_integration", shop=shop.slug, source="aftership", secret="new", stdout=io.StringIO()
    )

    assert Integration.objects.get(shop=shop, source="aftership").signing_secret == "new"


def test_replay_events_processes_stored_events_again(web, shop, connect):
    connect("shopify", SECRET)
    send(web, shop, ORDER, webhook_id="o-1")
    send(
        web,
        shop,
        order_payload(updated_at="2026-03-03T00:00:00+01:00"),
        topic="orders/updated",
        webhook_id="o-2",
    )
    process_all()
    out = io.StringIO()

    call_command(
        "replay_events",
        source="shopify",
        since=(timezone.now() - timedelta(days=1)).date().isoformat(),
        stdout=out,
    )

    # The newer copy was applied last time; replayed, the older one is ignored again.
    assert "Replayed 2 shopify event(s)" in out.getvalue()
    assert list(InboundEvent.objects.order_by("id").values_list("status", flat=True)) == [
        "ignored",
        "processed",
    ]


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


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
