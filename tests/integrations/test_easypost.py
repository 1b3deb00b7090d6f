"""EasyPost: signed tracker webhooks become tracking events on our parcels."""

import hashlib
import hmac
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.models import InboundEvent, InboundStatus
from integrations.providers import easypost
from integrations.services import MAX_ATTEMPTS
from orders.models import TrackingEvent, TrackingStatus

from .conftest import TRACKING, body_of, post, process_all, process_until_given_up

EP_SECRET = "ｓｅｃｒｅｔ-ﬁle"  # full-width letters and a ligature: NFKD makes them "secret-file"


def detail(when, status, status_detail, message, city="HOUSTON"):
    return {
        "object": "TrackingDetail",
        "message": message,
        "description": "",
        "status": status,
        "status_detail": status_detail,
        "datetime": when,
        "source": "USPS",
        "carrier_code": "",
        "tracking_location": {
            "object": "TrackingLocation",
            "city": city,
            "state": "TX",
            "country": None,
            "zip": "77063",
        },
    }


def tracker_event(
    details,
    *,
    event_id="evt_3bf5d1c4e2a111ef",
    description="tracker.updated",
    status="in_transit",
    signed_by=None,
):
    return {
        "id": event_id,
        "object": "Event",
        "mode": "production",
        "description": description,
        "previous_attributes": {"status": "pre_transit"},
        "created_at": "2026-05-04T16:00:00Z",
        "updated_at": "2026-05-04T16:00:00Z",
        "result": {
            "id": "trk_c8b4e5f6a7d84f1c",
            "object": "Tracker",
            "mode": "production",
            "tracking_code": TRACKING,
            "status": status,
            "status_detail": details[-1]["status_detail"],
            "signed_by": signed_by,
            "weight": None,
            "est_delivery_date": "2026-05-06T00:00:00Z",
            "shipment_id": "shp_1",
            "carrier": "USPS",
            "tracking_details": details,
            "public_url": "https://track.easypost.com/djE6dHJrXzE",
            "created_at": "2026-05-01T12:00:00Z",
            "updated_at": "2026-05-04T16:00:00Z",
        },
        "pending_urls": [],
        "completed_urls": [],
    }


def easypost_signature(secret: str, body: bytes) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def send_easypost(web, shop, payload, secret=EP_SECRET):
    body = body_of(payload)
    return post(web, "easypost", shop.slug, body, {"X-Hmac-Signature": easypost_signature(secret, body)})


@pytest.fixture
def ep(connect):
    return connect("easypost", EP_SECRET)


def test_easypost_signature_uses_the_nfkd_normalised_secret(web, shop, ep, parcel):
    payload = tracker_event([detail("2026-05-02T09:00:00Z", "in_transit", "arrived_at_facility", "Arrived")])

    assert send_easypost(web, shop, payload, secret="secret-file").status_code == 200


def test_easypost_wrong_signature_is_401_and_nothing_stored(web, shop, ep, parcel):
    body = body_of(
        tracker_event([detail("2026-05-02T09:00:00Z", "in_transit", "arrived_at_facility", "Arrived")])
    )
    response = post(web, "easypost", shop.slug, body, {"X-Hmac-Signature": "hmac-sha256-hex=" + "0" * 64})

    assert response.status_code == 401
    assert not InboundEvent.objects.exists()


def test_easypost_tracker_becomes_events_with_signature_and_estimate(web, shop, ep, parcel):
    payload = tracker_event(
        [
            detail("2026-05-02T09:00:00Z", "in_transit", "arrived_at_facility", "Arrived at USPS Facility"),
            detail("2026-05-04T07:10:00Z", "out_for_delivery", "out_for_delivery", "Out for Delivery"),
            detail(
                "2026-05-04T15:42:00Z", "delivered", "arrived_at_destination", "Delivered, Front Door/Porch"
            ),
        ],
        status="delivered",
        signed_by="J. DOE",
    )
    send_easypost(web, shop, payload)
    [event] = process_all()

    assert event.status == InboundStatus.PROCESSED, event.error
    parcel.refresh_from_db()
    assert parcel.status == TrackingStatus.DELIVERED
    assert parcel.signed_by == "J. DOE"
    assert parcel.estimated_delivery == date(2026, 5, 6)
    assert parcel.delivered_at == datetime(2026, 5, 4, 15, 42, tzinfo=ZoneInfo("UTC"))
    assert TrackingEvent.objects.filter(shipment=parcel, source="easypost").count() == 3


def test_easypost_late_older_update_does_not_undo_delivery(web, shop, ep, parcel):
    delivered = tracker_event(
        [detail("2026-05-04T15:42:00Z", "delivered", "arrived_at_destination", "Delivered")],
        event_id="evt_2",
        status="delivered",
    )
    in_transit = tracker_event(
        [detail("2026-05-02T09:00:00Z", "in_transit", "arrived_at_facility", "Arrived")], event_id="evt_1"
    )
    send_easypost(web, shop, delivered)
    send_easypost(web, shop, in_transit)
    process_all()

    parcel.refresh_from_db()
    assert parcel.status == TrackingStatus.DELIVERED
    assert parcel.events.count() == 2


def test_easypost_repeated_event_is_stored_once(web, shop, ep, parcel):
    payload = tracker_event([detail("2026-05-02T09:00:00Z", "in_transit", "arrived_at_facility", "Arrived")])
    send_easypost(web, shop, payload)

    assert send_easypost(web, shop, payload).json()["status"] == "duplicate"
    assert InboundEvent.objects.count() == 1


def test_easypost_tracker_for_an_unknown_parcel_waits_for_it(web, shop, ep):
    send_easypost(
        web, shop, tracker_event([detail("2026-05-02T09:00:00Z", "in_transit", "arrived_at_facility", "x")])
    )
    [event] = process_all()

    assert event.status == InboundStatus.FAILED
    assert TRACKING in event.error


def test_easypost_tracker_for_a_parcel_that_never_comes_is_ignored_once_retries_are_used_up(web, shop, ep):
    send_easypost(
        web, shop, tracker_event([detail("2026-05-02T09:00:00Z", "in_transit", "arrived_at_facility", "x")])
    )

    event, outcomes = process_until_given_up(InboundEvent.objects.get())

    assert outcomes == [InboundStatus.FAILED] * (MAX_ATTEMPTS - 1) + [InboundStatus.IGNORED]
    assert "No shipment with this tracking number" in event.error
    assert TRACKING in event.error


def test_easypost_status_table():
    assert easypost.status_for("return_to_sender", "return") == TrackingStatus.RETURNED_TO_SENDER
    assert easypost.status_for("failure", "lost") == TrackingStatus.LOST
    assert (
        easypost.status_for("in_transit", "arrived_at_pickup_location") == TrackingStatus.AVAILABLE_FOR_PICKUP
    )
    assert easypost.status_for("failure", "delivery_exception") == TrackingStatus.DELIVERY_FAILED
    assert easypost.status_for("pre_transit", "label_created") == TrackingStatus.PRE_TRANSIT
    assert easypost.status_for("something_new", None) == TrackingStatus.UNKNOWN


def test_easypost_malformed_event_is_400(web, shop, ep):
    assert send_easypost(web, shop, {"object": "Event"}).status_code == 400


@pytest.mark.parametrize(
    "details",
    [
        "in_transit",  # not a list
        ["in_transit"],  # a list, but not of TrackingDetails
        [{"datetime": "yesterday", "status": "in_transit"}],  # not a time
        [{"datetime": "2026-05-04T10:00:00Z", "status": "in_transit", "tracking_location": "Houston"}],
    ],
)
def test_easypost_tracker_of_the_wrong_shape_is_400_and_stores_nothing(web, shop, ep, details):
    payload = tracker_event([{"status_detail": "arrived_at_facility"}])
    payload["result"]["tracking_details"] = details

    assert send_easypost(web, shop, payload).status_code == 400
    assert not InboundEvent.objects.exists()
