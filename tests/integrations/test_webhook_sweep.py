"""A shop system's webhook whose task never ran is taken up within minutes, not ten."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import InboundEvent
from integrations.services import inbound_event_receive

pytestmark = pytest.mark.django_db


def _received(integration, name, seconds_ago):
    event = inbound_event_receive(
        integration=integration, event_id=name, topic="orders/create", body=b"{}", headers={}
    ).event
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(seconds=seconds_ago))
    return event


def test_the_sweep_takes_up_webhooks_waiting_past_the_lost_time_and_leaves_fresh_ones(
    shop, connect, settings
):
    settings.POSTSALE_WEBHOOK_LOST_SECONDS = 120
    integration = connect("shopify")
    _received(integration, "lost", seconds_ago=180)  # a worker died with it, or the broker was down
    _received(integration, "fresh", seconds_ago=30)  # its task is on its way

    # The task as beat runs it (the broker is real: the one found is queued again).
    assert tasks.sweep_inbound_events() == 1
