"""AfterShip: signed tracking webhooks become tracking events on our parcels."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.models import InboundEvent, InboundStatus
from integrations.providers import aftership
from integrations.services import MAX_ATTEMPTS, inbound_event_process
from orders.models import TrackingStatus
from tests.factories import make_order

from .conftest import TRACKING, b64_hmac, body_of, post, process_all, process_until_given_up

AS_SECRET = "aftership-webhook-secret"


def checkpoint(when, tag, subtag, message, location="Hamburg, DE"):
    return {
        "slug": "dhl-germany",
        "city": None,
        "created_at": "2026-05-04T16:00:00+00:00",
        "location": location,
        "country_name": "Germany",
        "message": message,
        "country_iso3": "DEU",
        "tag": tag,
        "subtag": subtag,
        "subtag_message": message,
        "checkpoint_time": when,
        "coordinates": [],
        "state": None,
        "zip": None,
        "raw_tag": "",
    }


def aftership_webhook(
    checkpoints, *, event_id="f3f1f2d8-6f35-4d4d-9a3a-2d8c6b0d1e11", tag="InTransit", signed_by=""
):
    return {
        "event": "tracking_update",
        "event_id": event_id,
        "is_tracking_first_tag": False,
        "msg": {
            "id": "lz7n9g8k1x0p2q3r",
            "tracking_number": TRACKING,
            "slug": "dhl-germany",
            "tag": tag,
            "subtag": checkpoints[-1]["subtag"],
            "subtag_message": checkpoints[-1]["subtag_message"],
            "signed_by": signed_by,
            "expected_delivery": "2026-05-06",
            "checkpoints": checkpoints,
        },
        "ts": 1777910400,
    }


def send_aftership(web, shop, payload, secret=AS_SECRET):
    body = body_of(payload)
    return post(web, "aftership", shop.slug, body, {"aftership-hmac-sha256": b64_hmac(secret, body)})


@pytest.fixture
def aship(connect):
    return connect("aftership", AS_SECRET)


def test_aftership_checkpoints_become_events_and_delivery_keeps_the_signer(web, shop, aship, parcel):
    payload = aftership_webhook(
        [
            checkpoint("2026-05-02T09:00:00+02:00", "InTransit", "InTransit_007", "Departure scan"),
            checkpoint("2026-05-04T14:30:00+02:00", "Delivered", "Delivered_003", "Delivered, signed"),
        ],
        tag="Delivered",
        signed_by="Nachbar Meier",
    )
    assert send_aftership(web, shop, payload).status_code == 200
    [event] = process_all()

    assert event.status == InboundStatus.PROCESSED, event.error
    parcel.refresh_from_db()
    assert parcel.status == TrackingStatus.DELIVERED
    assert parcel.signed_by == "Nachbar Meier"
    assert parcel.delivered_at == datetime(2026, 5, 4, 12, 30, tzinfo=ZoneInfo("UTC"))
    assert parcel.estimated_delivery == date(2026, 5, 6)


def test_aftership_lost_subtag_marks_the_parcel_lost(web, shop, aship, parcel):
    send_aftership(
        web,
        shop,
        aftership_webhook(
            [checkpoint("2026-05-09T10:00:00+02:00", "Exception", "Exception_013", "Lost")], tag="Exception"
        ),
    )
    process_all()

    parcel.refresh_from_db()
    assert parcel.status == TrackingStatus.LOST


def test_aftership_checkpoint_without_offset_is_read_in_the_shops_time_zone(web, shop, aship, parcel):
    send_aftership(
        web, shop, aftership_webhook([checkpoint("2026-05-02T09:00:00", "InTransit", "InTransit_001", "x")])
    )
    process_all()

    [event] = parcel.events.all()
    assert event.occurred_at == datetime(2026, 5, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_aftership_bad_signature_is_401(web, shop, aship, parcel):
    payload = aftership_webhook([checkpoint("2026-05-02T09:00:00+02:00", "InTransit", "InTransit_001", "x")])

    assert send_aftership(web, shop, payload, secret="nope").status_code == 401
    assert not InboundEvent.objects.exists()


def test_aftership_same_event_id_twice_is_one_event(web, shop, aship, parcel):
    payload = aftership_webhook([checkpoint("2026-05-02T09:00:00+02:00", "InTransit", "InTransit_001", "x")])
    send_aftership(web, shop, payload)
    send_aftership(web, shop, payload)

    assert InboundEvent.objects.count() == 1


def test_aftership_tag_table():
    assert aftership.status_for("Exception", "Exception_011") == TrackingStatus.RETURNED_TO_SENDER
    assert aftership.status_for("Exception", "Exception_003") == TrackingStatus.DELIVERY_FAILED
    assert aftership.status_for("AttemptFail", "AttemptFail_001") == TrackingStatus.DELIVERY_FAILED
    assert (
        aftership.status_for("AvailableForPickup", "AvailableForPickup_001")
        == TrackingStatus.AVAILABLE_FOR_PICKUP
    )
    assert aftership.status_for("InfoReceived", "InfoReceived_001") == TrackingStatus.PRE_TRANSIT
    assert aftership.status_for("Expired", "Expired_001") == TrackingStatus.UNKNOWN


def test_aftership_body_without_msg_is_400(web, shop, aship):
    assert send_aftership(web, shop, {"event": "tracking_update", "event_id": "x"}).status_code == 400


def test_aftership_tracking_for_a_parcel_that_never_comes_is_ignored_once_retries_are_used_up(
    web, shop, aship
):
    send_aftership(
        web,
        shop,
        aftership_webhook([checkpoint("2026-05-02T09:00:00+02:00", "InTransit", "InTransit_001", "x")]),
    )

    event, outcomes = process_until_given_up(InboundEvent.objects.get())

    assert outcomes[:-1] == [InboundStatus.FAILED] * (MAX_ATTEMPTS - 1)
    assert event.status == InboundStatus.IGNORED
    assert "No shipment with this tracking number" in event.error


def test_aftership_parcel_whose_order_comes_during_the_retries_is_applied(web, shop, aship):
    send_aftership(
        web,
        shop,
        aftership_webhook([checkpoint("2026-05-02T09:00:00+02:00", "InTransit", "InTransit_001", "x")]),
    )
    [early] = process_all()
    assert early.status == InboundStatus.FAILED

    parcel = make_order(shop, carrier="usps", tracking_number=TRACKING).shipments.get()

    assert inbound_event_process(event_id=early.pk).status == InboundStatus.PROCESSED
    assert parcel.events.count() == 1


def _with_msg(**changes):
    payload = aftership_webhook([checkpoint("2026-05-02T09:00:00+02:00", "InTransit", "InTransit_001", "x")])
    payload["msg"].update(changes)
    return payload


def _with_checkpoint(**changes):
    payload = aftership_webhook([checkpoint("2026-05-02T09:00:00+02:00", "InTransit", "InTransit_001", "x")])
    payload["msg"]["checkpoints"][0].update(changes)
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        _with_msg(checkpoints={"checkpoint_time": "2026-05-02T09:00:00+02:00"}),
        _with_msg(checkpoints="InTransit"),
        _with_msg(checkpoints=["InTransit"]),
        _with_msg(tracking_number=None),
        _with_msg(tracking_number={"number": TRACKING}),
        _with_checkpoint(tag=["InTransit"]),
        _with_checkpoint(subtag={"code": "InTransit_001"}),
        _with_checkpoint(checkpoint_time="yesterday"),
        _with_checkpoint(checkpoint_time=["2026-05-02T09:00:00+02:00"]),
    ],
    ids=[
        "checkpoints-object",
        "checkpoints-text",
        "checkpoint-text",
        "no-tracking-number",
        "tracking-number-object",
        "tag-list",
        "subtag-object",
        "time-not-a-time",
        "time-list",
    ],
)
def test_aftership_signed_tracking_of_the_wrong_shape_is_400(web, shop, aship, parcel, payload):
    assert send_aftership(web, shop, payload).status_code == 400
    assert not InboundEvent.objects.exists()


def test_aftership_tracking_without_checkpoints_yet_is_accepted(web, shop, aship, parcel):
    payload = _with_msg(checkpoints=[])

    assert send_aftership(web, shop, payload).status_code == 200
    assert [event.status for event in process_all()] == [InboundStatus.IGNORED]


# --- another shop's integration -------------------------------------------------------------

LOST = [checkpoint("2026-05-09T10:00:00+02:00", "Exception", "Exception_013", "Lost")]


def test_a_delivery_signed_with_another_shops_secret_is_401(web, shop, swedish_shop, aship, connect, parcel):
    connect("aftership", "linnestugans-eigenes-geheimnis", target_shop=swedish_shop)

    response = send_aftership(web, shop, aftership_webhook(LOST), secret="linnestugans-eigenes-geheimnis")

    assert response.status_code == 401
    assert not InboundEvent.objects.exists()


def test_another_shops_aggregator_cannot_move_this_shops_parcel(web, swedish_shop, connect, parcel):
    connect("aftership", AS_SECRET, target_shop=swedish_shop)

    assert send_aftership(web, swedish_shop, aftership_webhook(LOST)).status_code == 200
    event, _outcomes = process_until_given_up(InboundEvent.objects.get())

    # Linnestugan's AfterShip knows no parcel with this number: not Leinen & Liebe's either.
    assert event.status == InboundStatus.IGNORED
    parcel.refresh_from_db()
    assert parcel.status != TrackingStatus.LOST and not parcel.events.exists()
