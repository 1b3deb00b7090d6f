"""Signing as each provider documents it, and a client that posts raw bytes like they do."""

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client

from integrations.models import InboundEvent
from integrations.services import MAX_ATTEMPTS, inbound_event_process, integration_configure
from tests.factories import make_order

TRACKING = "9400110898825022579493"


@pytest.fixture
def web():
    # Providers send no CSRF token and no session: neither do we here.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def connect(shop):
    def connect(source, secret="s3cr3t-signing-key", target_shop=None):
        return integration_configure(shop=target_shop or shop, source=source, secret=secret)

    return connect


def body_of(payload) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post(web, source, shop_slug, body: bytes, headers: dict, content_type="application/json"):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return web.post(f"/hooks/{source}/{shop_slug}/", data=body, content_type=content_type, **extra)


def process_all():
    """Run what the Celery task would run for every stored event, oldest first."""
    return [
        inbound_event_process(event_id=pk)
        for pk in InboundEvent.objects.order_by("id").values_list("pk", flat=True)
    ]


@pytest.fixture
def parcel(shop):
    order = make_order(shop, carrier="usps", tracking_number=TRACKING)
    return order.shipments.get()


def process_until_given_up(event):
    """What the worker does: retry a FAILED event until its attempts are used up."""
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        event = inbound_event_process(event_id=event.pk)
        outcomes.append(event.status)
    return event, outcomes
