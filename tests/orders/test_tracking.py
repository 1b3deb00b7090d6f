"""POST /api/v1/tracking-events/: stored once each, the latest event sets the status."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.test import APIClient

from config.roles import AGENTS, INTEGRATIONS, OWNERS
from orders.models import Shipment, TrackingEvent, TrackingStatus
from orders.services import orders_upsert
from tests.factories import api_token

URL = "/api/v1/tracking-events/"


@pytest.fixture
def shipment(shop, carrier):
    orders_upsert(
        items=[
            {
                "shop": "leinen",
                "number": "1001",
                "placed_at": datetime(2026, 11, 1, 10, tzinfo=UTC),
                "total": 59,
                "buyer": {"email": "anna@example.de"},
                "shipments": [{"carrier": "dhl", "tracking_number": "JJD0001"}],
            }
        ]
    )
    return Shipment.objects.get()


def event(event_id, status, day, **extra):
    return {
        "carrier": "dhl",
        "tracking_number": "JJD0001",
        "event_id": event_id,
        "occurred_at": f"2026-11-{day:02d}T10:00:00Z",
        "status": status,
        **extra,
    }


def test_one_event_moves_the_shipment(api, shipment):
    response = api.post(URL, event("e1", "in_transit", 2, location="Leipzig"), format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {"accepted": 1, "duplicates": 0}
    shipment.refresh_from_db()
    assert shipment.status == TrackingStatus.IN_TRANSIT
    assert shipment.status_at == datetime(2026, 11, 2, 10, tzinfo=UTC)


def test_repeated_event_id_is_ignored(api, shipment):
    api.post(URL, event("e1", "in_transit", 2), format="json")

    response = api.post(URL, [event("e1", "in_transit", 2), event("e1", "in_transit", 2)], format="json")

    assert response.json() == {"accepted": 0, "duplicates": 2}
    assert TrackingEvent.objects.count() == 1


def test_repeated_event_id_within_one_batch_is_stored_once(api, shipment):
    response = api.post(URL, [event("e1", "in_transit", 2), event("e1", "in_transit", 2)], format="json")

    assert response.json() == {"accepted": 1, "duplicates": 1}
    assert TrackingEvent.objects.count() == 1


def test_out_of_order_events_leave_the_status_of_the_latest(api, shipment):
    api.post(
        URL,
        event("e3", "delivered", 4, location="Berlin, Paketkasten", signed_by="KÜHN"),
        format="json",
    )
    # The carrier replays older scans afterwards, one request each and as a batch.
    api.post(URL, event("e2", "out_for_delivery", 3), format="json")
    api.post(URL, [event("e1", "in_transit", 2), event("e0", "pre_transit", 1)], format="json")

    shipment.refresh_from_db()
    assert shipment.status == TrackingStatus.DELIVERED
    assert shipment.last_event_at == datetime(2026, 11, 4, 10, tzinfo=UTC)
    assert shipment.delivered_at == datetime(2026, 11, 4, 10, tzinfo=UTC)
    assert shipment.signed_by == "KÜHN"
    assert shipment.delivery_location == "Berlin, Paketkasten"
    assert TrackingEvent.objects.count() == 4


def test_out_of_order_events_in_one_batch_leave_the_status_of_the_latest(api, shipment):
    api.post(
        URL,
        [event("e3", "delivered", 4), event("e1", "in_transit", 2), event("e2", "out_for_delivery", 3)],
        format="json",
    )

    shipment.refresh_from_db()
    assert shipment.status == TrackingStatus.DELIVERED


def test_later_event_after_delivery_keeps_the_delivery_facts(api, shipment):
    api.post(URL, event("e1", "delivered", 3, location="Nachbar Nr. 7", signed_by="Meier"), format="json")

    api.post(URL, event("e2", "returned_to_sender", 9), format="json")

    shipment.refresh_from_db()
    assert shipment.status == TrackingStatus.RETURNED_TO_SENDER
    assert shipment.delivered_at == datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert shipment.signed_by == "Meier"
    assert shipment.delivery_location == "Nachbar Nr. 7"


def test_events_are_listed_on_the_order_in_time_order(api, shipment):
    api.post(URL, [event("e2", "delivered", 3), event("e1", "in_transit", 2)], format="json")

    body = api.get("/api/v1/orders/", {"shop": "leinen", "number": "1001"}).json()

    events = body["results"][0]["shipments"][0]["events"]
    assert [(e["source_event_id"], e["status"]) for e in events] == [
        ("e1", "in_transit"),
        ("e2", "delivered"),
    ]


def test_carrier_name_is_matched_like_a_code(api, shipment):
    response = api.post(URL, event("e1", "in_transit", 2) | {"carrier": "DHL"}, format="json")

    assert response.status_code == 200
    assert TrackingEvent.objects.count() == 1


def test_unknown_tracking_number_is_refused_and_nothing_stored(api, shipment):
    response = api.post(
        URL,
        [event("e1", "in_transit", 2), event("e2", "delivered", 3) | {"tracking_number": "NOPE"}],
        format="json",
    )

    assert response.status_code == 400
    assert "[1].tracking_number" in response.json()
    assert TrackingEvent.objects.count() == 0
    shipment.refresh_from_db()
    assert shipment.status == TrackingStatus.PRE_TRANSIT


def test_unknown_status_names_the_field(api, shipment):
    response = api.post(URL, [event("e1", "in_transit", 2), event("e2", "teleported", 3)], format="json")

    assert response.status_code == 400
    assert "[1].status" in response.json()
    assert TrackingEvent.objects.count() == 0


def test_event_without_time_names_the_field(api, shipment):
    payload = event("e1", "in_transit", 2)
    del payload["occurred_at"]

    response = api.post(URL, payload, format="json")

    assert response.status_code == 400
    assert "occurred_at" in response.json()


def test_empty_or_oversized_event_batch_is_refused(api, shipment):
    assert api.post(URL, [], format="json").status_code == 400
    assert (
        api.post(URL, [event(f"e{i}", "in_transit", 2) for i in range(5001)], format="json").status_code
        == 400
    )
    assert TrackingEvent.objects.count() == 0


def test_a_shop_systems_token_cannot_move_another_shops_parcel(swedish_integration, shipment):
    thief = APIClient()
    thief.credentials(HTTP_AUTHORIZATION=f"Token {api_token(swedish_integration)}")

    response = thief.post(URL, event("e1", "lost", 2), format="json")

    # Answered as a parcel that does not exist; the scan changes nothing.
    assert response.status_code == 400
    assert response.json() == {"[0].tracking_number": ["No shipment with dhl tracking number JJD0001."]}
    shipment.refresh_from_db()
    assert shipment.status == TrackingStatus.PRE_TRANSIT
    assert not TrackingEvent.objects.exists()


@pytest.fixture
def delivered(shipment, api):
    api.post(URL, event("e1", "delivered", 3, signed_by="KÜHN"), format="json")
    return shipment


@pytest.mark.parametrize("who", ["agent_api", "owner_api"])
def test_only_the_shop_system_posts_tracking_events(request, delivered, who):
    # An agent or owner of the parcel's own shop wants the engine to see a lost parcel.
    caller = request.getfixturevalue(who)

    response = caller.post(URL, event("forged", "lost", 4), format="json")

    assert response.status_code == 403
    delivered.refresh_from_db()
    assert delivered.status == TrackingStatus.DELIVERED
    assert not TrackingEvent.objects.filter(source_event_id="forged").exists()


def test_the_permission_alone_does_not_make_an_agent_a_shop_system(agent, agent_api, delivered):
    agent.user_permissions.add(Permission.objects.get(codename="add_trackingevent"))

    response = agent_api.post(URL, event("forged", "lost", 4), format="json")

    assert response.status_code == 403
    assert TrackingEvent.objects.count() == 1


def test_agents_and_owners_are_not_given_tracking_events_to_write(db):
    writes = {"add_trackingevent", "change_trackingevent", "delete_trackingevent"}
    for name in (AGENTS, OWNERS):
        held = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert "view_trackingevent" in held
        assert not held & writes, name
    assert {"add_trackingevent", "view_trackingevent"} <= set(
        Group.objects.get(name=INTEGRATIONS).permissions.values_list("codename", flat=True)
    )


def test_an_owner_cannot_add_or_delete_tracking_events_in_the_admin(owner_client, delivered):
    [scan] = TrackingEvent.objects.all()

    added = owner_client.get("/admin/orders/trackingevent/add/")
    deleted = owner_client.post(f"/admin/orders/trackingevent/{scan.pk}/delete/", {"post": "yes"})

    assert (added.status_code, deleted.status_code) == (403, 403)
    assert TrackingEvent.objects.filter(pk=scan.pk).exists()
