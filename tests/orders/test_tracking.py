"""POST /api/v1/tracking-events/: stored once each, the latest event sets the status."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.test import APIClient

from config.roles import AGENTS, INTEGRATIONS, OWNERS
from orders.models import Shipment, TrackingEvent, TrackingStatus
from orders.services import IngestResult, orders_upsert, tracking_events_ingest
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


def test_a_scan_from_the_middle_ages_is_refused_and_the_order_still_reads_as_rfc3339(api, shipment):
    # Schemathesis sent the year 1102: stored, it came back with Berlin's local mean time offset
    # (+00:53:28), which no client parses as a date-time.
    payload = event("e1", "in_transit", 2, occurred_at="1102-06-21T19:21:11Z")

    response = api.post(URL, payload, format="json")

    assert response.status_code == 400
    assert "occurred_at" in response.json()
    assert TrackingEvent.objects.count() == 0


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


def test_an_older_delivered_event_never_changes_the_signer_or_the_place(api, shipment):
    api.post(URL, event("e5", "delivered", 5, location="Haustür", signed_by="KÜHN"), format="json")

    # An earlier delivery (before the parcel came back and went out again) arrives late.
    api.post(URL, event("e3", "delivered", 3, location="Nachbar Nr. 7", signed_by="Meier"), format="json")

    shipment.refresh_from_db()
    assert (shipment.signed_by, shipment.delivery_location) == ("KÜHN", "Haustür")
    assert shipment.delivered_at == datetime(2026, 11, 5, 10, tzinfo=UTC)


def test_the_signer_is_the_latest_deliverys_whatever_the_order_in_a_batch(api, shipment):
    older = event("e3", "delivered", 3, location="Nachbar Nr. 7", signed_by="Meier")
    newer = event("e5", "delivered", 5, location="Packstation 157")

    api.post(URL, [older, newer], format="json")

    shipment.refresh_from_db()
    # The latest delivery named no signer: Meier signed for an earlier one, not this.
    assert (shipment.signed_by, shipment.delivery_location) == ("", "Packstation 157")


def scan(source_event_id, status, at, **extra):
    return {
        "carrier": "dhl",
        "tracking_number": "JJD0001",
        "event_id": source_event_id,
        "occurred_at": at,
        "status": status,
        **extra,
    }


AT = datetime(2026, 11, 3, 9, 12, 0, tzinfo=UTC)


def test_one_scan_from_two_sources_is_one_event(shipment):
    first = tracking_events_ingest(
        events=[scan("as-1", "delivered", AT, signed_by="KÜHN", location="Haustür")], source="aftership"
    )

    # DHL's own API reports the same scan half a minute later, under its own id, and names
    # a different place: the first source's stays.
    second = tracking_events_ingest(
        events=[scan("dhl-1", "delivered", AT + timedelta(seconds=30), location="Berlin, 10115, DE")],
        source="dhl",
    )

    assert (first, second) == (IngestResult(1, 0), IngestResult(0, 1))
    assert list(TrackingEvent.objects.values_list("source", "source_event_id")) == [("aftership", "as-1")]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.signed_by, shipment.delivery_location) == (
        "delivered",
        "KÜHN",
        "Haustür",
    )


def test_a_second_source_adds_what_the_first_report_lacked(shipment):
    tracking_events_ingest(events=[scan("as-1", "delivered", AT)], source="aftership")

    tracking_events_ingest(
        events=[scan("dhl-1", "delivered", AT - timedelta(seconds=20), signed_by="K. Nachbar")], source="dhl"
    )

    assert TrackingEvent.objects.count() == 1
    shipment.refresh_from_db()
    assert shipment.signed_by == "K. Nachbar"


def test_other_scans_from_a_second_source_are_kept(shipment):
    tracking_events_ingest(events=[scan("as-1", "in_transit", AT)], source="aftership")

    result = tracking_events_ingest(
        events=[
            scan("dhl-1", "out_for_delivery", AT),  # same instant, another status
            scan("dhl-2", "in_transit", AT + timedelta(minutes=2)),  # same status, another scan
        ],
        source="dhl",
    )

    assert result == IngestResult(2, 0)
    assert TrackingEvent.objects.count() == 3


def test_scans_from_one_source_within_a_minute_are_all_kept(shipment):
    result = tracking_events_ingest(
        events=[scan("dhl-1", "in_transit", AT), scan("dhl-2", "in_transit", AT + timedelta(seconds=20))],
        source="dhl",
    )

    assert result == IngestResult(2, 0)


def test_looking_for_scans_from_other_sources_costs_the_same_for_1_or_20_events(
    shipment, django_assert_num_queries
):
    tracking_events_ingest(events=[scan("as-0", "in_transit", AT)], source="aftership")

    def batch(prefix, size):
        return [scan(f"{prefix}-{i}", "in_transit", AT + timedelta(hours=i + 1)) for i in range(size)]

    # savepoint, locked shipments, known ids of this source, other sources' scans, insert,
    # update, release (the carriers come from the cache)
    with django_assert_num_queries(7):
        tracking_events_ingest(events=batch("one", 1), source="dhl")
    with django_assert_num_queries(7):
        tracking_events_ingest(events=batch("twenty", 20), source="dhl")


def test_a_parcel_at_a_pickup_point_shows_where_and_until_when_in_the_api(api, shipment):
    response = api.post(
        URL,
        event("e1", "available_for_pickup", 4, pickup_point="Packstation 157, 53113 Bonn")
        | {"pickup_until": "2026-11-11"},
        format="json",
    )
    assert response.status_code == 200, response.json()

    body = api.get("/api/v1/orders/", {"shop": "leinen", "number": "1001"}).json()

    parcel = body["results"][0]["shipments"][0]
    assert parcel["status"] == "available_for_pickup"
    assert (parcel["pickup_point"], parcel["pickup_until"]) == ("Packstation 157, 53113 Bonn", "2026-11-11")


def test_a_pickup_deadline_that_is_not_a_date_names_the_field(api, shipment):
    response = api.post(URL, event("e1", "available_for_pickup", 4) | {"pickup_until": "soon"}, format="json")

    assert response.status_code == 400
    assert "pickup_until" in response.json()
    assert not TrackingEvent.objects.exists()
