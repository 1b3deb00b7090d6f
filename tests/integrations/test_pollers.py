"""The PostNord and DHL pollers against a fake tracking API on 127.0.0.1."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations.http import HttpClient
from integrations.models import PollState
from integrations.pollers import poll_carrier
from orders.models import TrackingStatus
from tests.factories import make_order

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
