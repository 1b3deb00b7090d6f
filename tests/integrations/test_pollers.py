"""The PostNord and DHL pollers against a fake tracking API on 127.0.0.1."""

import html
import json
import re
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from cases.choices import ClaimType
from claims import automatic
from integrations.http import HttpClient
from integrations.models import PollState
from integrations.pollers import poll_carrier
from orders import links
from orders.models import TrackingStatus
from tests.factories import make_claim, make_order

from .conftest import b64_hmac, post, process_all

POSTNORD_ID = "00370712345678901234"
DHL_ID = "00340434161094042557"

POSTNORD_ANSWER = {
    "TrackingInformationResponse": {
        "shipments": [
            {
                "shipmentId": POSTNORD_ID,
                "uri": "/ntt-service-rest/api/shipment.json?id=00370712345678901234&locale=en",
                "assessedNumberOfItems": 1,
                "estimatedTimeOfArrival": "2026-05-05T14:00:00",
                "service": {"code": "19", "name": "MyPack Collect"},
                "status": "AVAILABLE_FOR_DELIVERY",
                "statusText": {"header": "The shipment can be collected", "body": "Ombud Ica Nära Storgatan"},
                "items": [
                    {
                        "itemId": POSTNORD_ID,
                        "status": "AVAILABLE_FOR_DELIVERY",
                        "acceptor": {},
                        "events": [
                            {
                                "eventCode": "EDI_MESSAGE_RECEIVED",
                                "eventTime": "2026-05-02T18:12:00",
                                "status": "INFORMED",
                                "eventDescription": "The shipment item has been pre-notified",
                                "location": {
                                    "displayName": "Sweden",
                                    "countryCode": "SE",
                                    "locationType": "HUB",
                                },
                            },
                            {
                                "eventCode": "71",
                                "eventTime": "2026-05-04T09:30:00",
                                "status": "AVAILABLE_FOR_DELIVERY",
                                "eventDescription": "The shipment item is available for collection at the service point",
                                "location": {
                                    "displayName": "Uppsala, Ica Nära Storgatan",
                                    "name": "Ica Nära Storgatan",
                                    "countryCode": "SE",
                                    "city": "UPPSALA",
                                    "postcode": "75320",
                                    "locationType": "SERVICE_POINT",
                                },
                            },
                        ],
                    }
                ],
            }
        ]
    }
}

DHL_ANSWER = {
    "shipments": [
        {
            "id": DHL_ID,
            "service": "parcel-de",
            "origin": {"address": {"countryCode": "DE"}},
            "destination": {"address": {"countryCode": "DE"}},
            "status": {
                "timestamp": "2026-05-04T11:08:00+02:00",
                "location": {"address": {"addressLocality": "Berlin"}},
                "statusCode": "delivered",
                "status": "DELIVERED",
                "description": "The shipment has been successfully delivered",
            },
            "details": {
                "proofOfDelivery": {
                    "timestamp": "2026-05-04T11:08:00+02:00",
                    "signee": {"name": "K. Nachbar"},
                }
            },
            "events": [
                {
                    "timestamp": "2026-05-04T11:08:00+02:00",
                    "location": {
                        "address": {"addressLocality": "Berlin", "postalCode": "10115", "countryCode": "DE"}
                    },
                    "statusCode": "delivered",
                    "status": "DELIVERED",
                    "description": "The shipment has been successfully delivered",
                },
                {
                    "timestamp": "2026-05-03T06:40:00+02:00",
                    "location": {"address": {"addressLocality": "Börnicke"}},
                    "statusCode": "transit",
                    "status": "PROCESSED",
                    "description": "The shipment has been processed in the parcel center",
                },
            ],
        }
    ]
}


class FakeTrackingApi:
    """Answers like PostNord and DHL; `script` holds (status, body, headers) answers to give first."""

    def __init__(self):
        self.requests = []
        self.script = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                api.requests.append(
                    (parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()})
                )
                if api.script:
                    status, body, headers = api.script.pop(0)
                elif parts.path.endswith("findByIdentifier.json"):
                    status, body, headers = 200, POSTNORD_ANSWER, {}
                elif parts.path == "/track/shipments":
                    status, body, headers = 200, DHL_ANSWER, {}
                else:
                    status, body, headers = 404, {"status": 404, "title": "No result found"}, {}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(settings):
    with FakeTrackingApi() as fake:
        settings.POSTNORD_API_URL = fake.url
        settings.POSTNORD_API_KEY = "pn-key"
        settings.DHL_API_URL = fake.url
        settings.DHL_API_KEY = "dhl-key"
        yield fake


class RecordingSleep:
    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


def client(sleep):
    return HttpClient(min_interval=0, base_backoff=1, sleep=sleep, timeout=5)


def test_postnord_local_time_is_read_as_swedish_time(shop, api):
    order = make_order(shop, carrier="postnord", tracking_number=POSTNORD_ID)

    counts = poll_carrier("postnord", client=client(RecordingSleep()))

    assert counts == {"polled": 1, "events": 2, "failures": 0}
    shipment = order.shipments.get()
    assert shipment.status == TrackingStatus.AVAILABLE_FOR_PICKUP
    latest = shipment.events.order_by("-occurred_at").first()
    # 09:30 in Uppsala in May is 07:30 UTC (CEST, +02:00).
    assert latest.occurred_at == datetime(2026, 5, 4, 9, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert latest.occurred_at == datetime(2026, 5, 4, 7, 30, tzinfo=ZoneInfo("UTC"))
    assert latest.location == "Uppsala, Ica Nära Storgatan"
    path, query, _ = api.requests[0]
    assert path == "/rest/shipment/v5/trackandtrace/findByIdentifier.json"
    assert query["id"] == [POSTNORD_ID] and query["apikey"] == ["pn-key"]


def test_dhl_429_is_retried_after_the_time_it_asks_for(shop, api):
    order = make_order(shop, carrier="dhl", tracking_number=DHL_ID)
    api.script = [(429, {"status": 429, "title": "Too Many Requests"}, {"Retry-After": "7"})]
    sleep = RecordingSleep()

    counts = poll_carrier("dhl", client=client(sleep))

    assert counts["polled"] == 1 and counts["failures"] == 0
    assert sleep.calls == [7.0]
    assert len(api.requests) == 2
    assert api.requests[-1][2]["dhl-api-key"] == "dhl-key"
    shipment = order.shipments.get()
    assert shipment.status == TrackingStatus.DELIVERED
    assert shipment.signed_by == "K. Nachbar"


def test_dhl_that_stays_unavailable_stops_the_run_and_backs_off(shop, api):
    first = make_order(shop, carrier="dhl", tracking_number=DHL_ID)
    make_order(shop, carrier="dhl", tracking_number="00340434161094099999")
    api.script = [(503, {"title": "Service Unavailable"}, {})] * 4
    sleep = RecordingSleep()

    counts = poll_carrier("dhl", client=client(sleep))

    assert counts == {"polled": 0, "events": 0, "failures": 1}
    assert sleep.calls == [1, 2, 4]  # exponential, then give up
    assert len(api.requests) == 4  # the second parcel was not asked about
    state = PollState.objects.get(shipment=first.shipments.get())
    assert state.failures == 1
    assert state.next_poll_at > timezone.now() + timedelta(minutes=20)


def test_polled_parcel_is_not_asked_again_until_it_is_due(shop, api):
    make_order(shop, carrier="postnord", tracking_number=POSTNORD_ID)
    poll_carrier("postnord", client=client(RecordingSleep()))

    assert poll_carrier("postnord", client=client(RecordingSleep()))["polled"] == 0
    assert len(api.requests) == 1


def test_delivered_parcels_are_not_polled(shop, api):
    make_order(shop, carrier="dhl", tracking_number=DHL_ID)
    poll_carrier("dhl", client=client(RecordingSleep()))
    PollState.objects.update(next_poll_at=timezone.now() - timedelta(minutes=1))

    assert poll_carrier("dhl", client=client(RecordingSleep()))["polled"] == 0


def test_calls_are_spaced_by_the_rate_limit(shop, api):
    for index in range(3):
        make_order(shop, carrier="postnord", tracking_number=f"0037071234567890{index:04d}")
    sleep = RecordingSleep()
    ticks = iter(range(100))

    poll_carrier("postnord", client=HttpClient(min_interval=5, sleep=sleep, clock=lambda: next(ticks) * 0.0))

    assert sleep.calls == [5.0, 5.0]


def test_dhl_not_found_is_not_a_failure(shop, api, settings):
    settings.DHL_API_URL = api.url + "/elsewhere"
    make_order(shop, carrier="dhl", tracking_number=DHL_ID)

    assert poll_carrier("dhl", client=client(RecordingSleep())) == {"polled": 1, "events": 0, "failures": 0}


def test_no_api_key_means_no_calls(shop, api, settings):
    settings.DHL_API_KEY = ""
    make_order(shop, carrier="dhl", tracking_number=DHL_ID)

    poll_carrier("dhl", client=client(RecordingSleep()))
    assert api.requests == []


# --- what the carriers' words say ------------------------------------------------


def dhl_answer(*events, signee=""):
    return {
        "shipments": [
            {
                "id": DHL_ID,
                "service": "parcel-de",
                "details": {"proofOfDelivery": {"signee": {"name": signee}}} if signee else {},
                "events": list(events),
            }
        ]
    }


def dhl_event(when: datetime, status_code: str, description: str, **address):
    return {
        "timestamp": when.isoformat(),
        "location": {"address": address},
        "statusCode": status_code,
        "status": description,
        "description": description,
    }


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_dhl_parcel_in_a_packstation_is_ready_for_pickup_with_the_point_and_the_last_day(
    shop, api, web, agent
):
    order = make_order(shop, carrier="dhl", tracking_number=DHL_ID, language="en")
    yesterday = timezone.localtime() - timedelta(days=1)
    last_day = timezone.localdate() + timedelta(days=6)
    api.script = [
        (
            200,
            dhl_answer(
                dhl_event(
                    yesterday - timedelta(hours=5),
                    "transit",
                    "Die Sendung wurde im Ziel-Paketzentrum bearbeitet.",
                ),
                # The Unified API calls it "transit"; only the words say where it is.
                dhl_event(
                    yesterday,
                    "transit",
                    f"Die Sendung liegt in der PACKSTATION 157 in 53113 Bonn zur Abholung bereit. "
                    f"Sie kann bis zum {last_day:%d.%m.%Y} abgeholt werden.",
                    addressLocality="Bonn",
                    postalCode="53113",
                    countryCode="DE",
                ),
            ),
            {},
        )
    ]

    poll_carrier("dhl", client=client(RecordingSleep()))

    shipment = order.shipments.get()
    assert shipment.status == TrackingStatus.AVAILABLE_FOR_PICKUP
    assert (shipment.pickup_point, shipment.pickup_until) == ("PACKSTATION 157, 53113 Bonn", last_day)
    # Waiting there is not being lost: no claim opens while the buyer may still fetch it.
    assert automatic.open_stalled_claims(now=timezone.now() + timedelta(days=6)) == 0

    # The agent on the buyer's case and the buyer in the portal read where and until when.
    case = make_claim(order, ClaimType.LOST_IN_TRANSIT).case
    web.force_login(agent)
    with translation.override("en"):
        expected = (
            f"Ready for pickup at PACKSTATION 157, 53113 Bonn until {date_format(last_day, 'DATE_FORMAT')}"
        )
        assert expected in page(web.get(f"/desk/cases/{case.reference}/"))
        web.logout()
        opened = web.get(links.portal_link(order).removeprefix(settings.SITE_URL))
        assert expected in page(web.get(opened["Location"]))


def test_dhl_words_for_out_for_delivery_and_a_return_refine_the_coarse_code(shop, api):
    order = make_order(shop, carrier="dhl", tracking_number=DHL_ID)
    morning = timezone.localtime() - timedelta(days=2)
    api.script = [
        (
            200,
            dhl_answer(dhl_event(morning, "transit", "Die Sendung wurde in das Zustellfahrzeug geladen.")),
            {},
        ),
    ]
    poll_carrier("dhl", client=client(RecordingSleep()))
    assert order.shipments.get().status == TrackingStatus.OUT_FOR_DELIVERY

    PollState.objects.update(next_poll_at=timezone.now())
    api.script = [
        (
            200,
            dhl_answer(
                dhl_event(morning, "transit", "Die Sendung wurde in das Zustellfahrzeug geladen."),
                dhl_event(
                    morning + timedelta(days=1),
                    "failure",
                    "Empfänger unter der angegebenen Adresse nicht zu ermitteln. Rücksendung an den Absender.",
                ),
            ),
            {},
        )
    ]
    poll_carrier("dhl", client=client(RecordingSleep()))
    assert order.shipments.get().status == TrackingStatus.RETURNED_TO_SENDER


def postnord_answer(*events, item_extra=None):
    return {
        "TrackingInformationResponse": {
            "shipments": [
                {
                    "shipmentId": POSTNORD_ID,
                    "items": [{"itemId": POSTNORD_ID, "events": list(events), **(item_extra or {})}],
                }
            ]
        }
    }


def postnord_event(when: datetime, status: str, code: str, description: str, place: str = "Uppsala"):
    return {
        "eventCode": code,
        "eventTime": when.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%dT%H:%M:%S"),
        "status": status,
        "eventDescription": description,
        "location": {"displayName": place},
    }


def test_postnord_out_for_delivery(shop, api):
    order = make_order(shop, carrier="postnord", tracking_number=POSTNORD_ID)
    api.script = [
        (
            200,
            postnord_answer(
                postnord_event(
                    timezone.now() - timedelta(hours=3),
                    "EN_ROUTE",
                    "62",
                    "Försändelsen är ute för utdelning.",
                )
            ),
            {},
        )
    ]

    poll_carrier("postnord", client=client(RecordingSleep()))

    assert order.shipments.get().status == TrackingStatus.OUT_FOR_DELIVERY


def test_postnord_lost_parcel_gets_the_automatic_lost_claim(shop, api):
    order = make_order(shop, carrier="postnord", tracking_number=POSTNORD_ID, shipped_days_ago=2)
    api.script = [
        (
            200,
            postnord_answer(
                postnord_event(
                    timezone.now() - timedelta(days=1), "EN_ROUTE", "11", "The shipment item has been sorted"
                ),
                postnord_event(
                    timezone.now() - timedelta(hours=2),
                    "OTHER",
                    "96",
                    "The shipment item has been reported lost",
                ),
            ),
            {},
        )
    ]

    poll_carrier("postnord", client=client(RecordingSleep()))

    assert order.shipments.get().status == TrackingStatus.LOST
    assert automatic.open_stalled_claims() == 1


def test_postnord_service_point_and_last_day(shop, api):
    order = make_order(shop, carrier="postnord", tracking_number=POSTNORD_ID)
    last_day = timezone.localdate() + timedelta(days=10)
    api.script = [
        (
            200,
            postnord_answer(
                postnord_event(
                    timezone.now() - timedelta(hours=2),
                    "AVAILABLE_FOR_DELIVERY",
                    "71",
                    "The shipment item is available for collection at the service point",
                    place="Uppsala, Ica Nära Storgatan",
                ),
                item_extra={
                    "statusText": {
                        "header": "The shipment can be collected",
                        "body": f"Collect it at Ica Nära Storgatan no later than {last_day:%Y-%m-%d}.",
                    },
                    "deliveryPoint": {
                        "displayName": "Ica Nära Storgatan",
                        "address": {"street1": "Storgatan 12", "city": "Uppsala", "postCode": "75320"},
                    },
                },
            ),
            {},
        )
    ]

    poll_carrier("postnord", client=client(RecordingSleep()))

    shipment = order.shipments.get()
    assert shipment.status == TrackingStatus.AVAILABLE_FOR_PICKUP
    assert (shipment.pickup_point, shipment.pickup_until) == (
        "Ica Nära Storgatan, Storgatan 12, Uppsala",
        last_day,
    )


def test_one_scan_from_aftership_and_from_dhl_polling_is_one_event(shop, api, web, connect):
    connect("aftership", "aftership-webhook-secret")
    order = make_order(shop, carrier="dhl", tracking_number=DHL_ID)
    # AfterShip relays DHL's parcel-centre scan of DHL_ANSWER, 06:40 in Berlin, stamped 20 s later.
    payload = {
        "event": "tracking_update",
        "event_id": "0b7c4c1e-0b1e-4a53-9a55-2d6f0f6c2a01",
        "msg": {
            "id": "as-tracking-1",
            "tracking_number": DHL_ID,
            "slug": "dhl-germany",
            "signed_by": "",
            "checkpoints": [
                {
                    "checkpoint_time": "2026-05-03T06:40:20+02:00",
                    "tag": "InTransit",
                    "subtag": "InTransit_001",
                    "message": "Processed at parcel center",
                    "location": "Börnicke",
                }
            ],
        },
    }
    body = json.dumps(payload).encode()
    response = post(
        web,
        "aftership",
        shop.slug,
        body,
        {"aftership-hmac-sha256": b64_hmac("aftership-webhook-secret", body)},
    )
    assert response.status_code == 200
    process_all()

    counts = poll_carrier("dhl", client=client(RecordingSleep()))

    # DHL's parcel-centre scan is AfterShip's, already stored; its delivery is new.
    assert counts["events"] == 1
    shipment = order.shipments.get()
    assert sorted(shipment.events.values_list("source", "status")) == [
        ("aftership", "in_transit"),
        ("dhl", "delivered"),
    ]
    assert (shipment.status, shipment.signed_by) == (TrackingStatus.DELIVERED, "K. Nachbar")


# --- return parcels ---------------------------------------------------------------

RETURN_ID = "00340434161094077777"


def return_on_a_dhl_label(shop, *, provider="postsale", tracking_number=RETURN_ID):
    from orders.models import Carrier
    from returns.models import ReturnRequest
    from tests.factories import make_return

    order = make_order(shop, carrier="dhl", tracking_number=f"{DHL_ID[:-4]}1111")
    order.shipments.update(status=TrackingStatus.DELIVERED)  # the outgoing parcel is done with
    request = make_return(order)
    ReturnRequest.objects.filter(pk=request.pk).update(
        status="label_issued",
        label_provider=provider,
        label_issued_at=timezone.now() - timedelta(days=1),
        tracking_number=tracking_number,
        carrier=Carrier.objects.get(code="dhl"),
    )
    request.refresh_from_db()
    return request


def test_a_return_on_a_dhl_label_is_on_its_way_from_dhls_first_scan(shop, api):
    request = return_on_a_dhl_label(shop)
    dropped_off = timezone.now() - timedelta(hours=3)
    api.script = [
        (200, dhl_answer(dhl_event(dropped_off, "transit", "Die Sendung wurde in der Filiale eingeliefert.")), {})
    ]

    counts = poll_carrier("dhl", client=client(RecordingSleep()))

    assert counts["polled"] == 1 and counts["failures"] == 0
    assert api.requests[-1][1]["trackingNumber"] == [RETURN_ID]
    request.refresh_from_db()
    assert request.status == "in_transit"
    assert abs(request.first_scan_at - dropped_off) < timedelta(seconds=1)
    assert request.case.events.filter(verb="return_status_changed", new="in_transit").exists()
    # On its way: DHL is not asked about it again.
    PollState.objects.all().delete()
    from integrations.models import ReturnPollState

    ReturnPollState.objects.update(next_poll_at=timezone.now() - timedelta(minutes=1))
    assert poll_carrier("dhl", client=client(RecordingSleep()))["polled"] == 0


def test_a_return_label_dhl_only_knows_of_stays_waiting_for_the_parcel(shop, api):
    request = return_on_a_dhl_label(shop)
    api.script = [
        (200, dhl_answer(dhl_event(timezone.now(), "pre-transit", "Die Sendungsdaten wurden übermittelt.")), {})
    ]

    poll_carrier("dhl", client=client(RecordingSleep()))

    request.refresh_from_db()
    assert request.status == "label_issued" and request.first_scan_at is None


def test_a_return_on_an_easypost_label_is_left_to_easyposts_tracker(shop, api):
    return_on_a_dhl_label(shop, provider="easypost")

    assert poll_carrier("dhl", client=client(RecordingSleep()))["polled"] == 0
    assert api.requests == []
