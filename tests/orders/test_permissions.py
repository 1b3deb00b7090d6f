"""Who may read and write orders and tracking through the API."""

import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Order, TrackingEvent

ORDERS = "/api/v1/orders/"
TRACKING = "/api/v1/tracking-events/"

ORDER = {
    "shop": "leinen",
    "number": "1001",
    "placed_at": "2026-11-01T10:00:00Z",
    "total": "29.90",
    "buyer": {"email": "anna@example.de"},
    "shipments": [{"carrier": "dhl", "tracking_number": "JJD0001"}],
}
EVENT = {
    "carrier": "dhl",
    "tracking_number": "JJD0001",
    "event_id": "e1",
    "occurred_at": "2026-11-02T10:00:00Z",
    "status": "in_transit",
}


def client_for(user=None):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [("get", ORDERS, None), ("get", f"{ORDERS}1/", None), ("post", ORDERS, ORDER), ("post", TRACKING, EVENT)],
)
def test_anonymous_is_refused(shop, method, url, payload):
    response = getattr(APIClient(), method)(url, payload, format="json")

    # 401 with a WWW-Authenticate header, since token authentication comes first.
    assert response.status_code in (401, 403)
    assert Order.objects.count() == 0


def test_agent_may_read_orders(api, agent, shop):
    created = api.post(ORDERS, ORDER, format="json").json()

    listed = client_for(agent).get(ORDERS, {"shop": "leinen"})
    detail = client_for(agent).get(f"{ORDERS}{created['id']}/")

    assert listed.status_code == 200
    assert [order["number"] for order in listed.json()["results"]] == ["1001"]
    assert detail.status_code == 200


def test_agent_may_not_post_orders(agent, shop):
    response = client_for(agent).post(ORDERS, ORDER, format="json")

    assert response.status_code == 403
    assert Order.objects.count() == 0


def test_user_without_a_group_may_not_read_orders(api, django_user_model, shop):
    nobody = django_user_model.objects.create_user("nobody", password="nobody")

    assert client_for(nobody).get(ORDERS).status_code == 403


def test_owner_may_post_orders(owner, shop):
    assert client_for(owner).post(ORDERS, ORDER, format="json").status_code == 201


def test_integration_may_post_orders_and_tracking(api, shop):
    assert api.post(ORDERS, ORDER, format="json").status_code == 201
    assert api.post(TRACKING, EVENT, format="json").status_code == 200
    assert TrackingEvent.objects.count() == 1


def test_token_from_drf_create_token_authenticates(integration, shop):
    call_command("drf_create_token", integration.username, stdout=io.StringIO())
    token = Token.objects.get(user=integration)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.post(ORDERS, ORDER, format="json")

    assert response.status_code == 201, response.json()
    assert client.get(ORDERS).status_code == 200


def test_wrong_token_is_refused(integration, shop):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    assert client.post(ORDERS, ORDER, format="json").status_code == 401
    assert Order.objects.count() == 0


def test_session_login_works_for_reads(client, agent, shop):
    client.force_login(agent)

    assert client.get(ORDERS).status_code == 200
