"""replay_events: stored deliveries processed again, as they would be the first time."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from integrations.models import InboundEvent

from .conftest import process_all
from .shopify import ORDER, SECRET, order_payload, send


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
