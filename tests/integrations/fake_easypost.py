"""A local EasyPost that speaks shipments as EasyPost documents them (https://docs.easypost.com/docs/shipments).

JSON requests with HTTP Basic auth (the API key as user name, no password):
`POST /v2/shipments` makes a shipment with rates, `GET /v2/shipments/{id}`
shows it, `POST /v2/shipments/{id}/buy` with `{"rate": {"id"}}` buys one
(again: 422 `SHIPMENT.POSTAGE.EXISTS`), and the label's PDF is served at its
`label_pdf_url`. Carriers in `qr_carriers` add a `label_qr_code` form.
Pickups (https://docs.easypost.com/docs/pickups): `POST /v2/pickups` with
`{"pickup": {"address", "shipment": {"id"}, "min_datetime", "max_datetime", ...}}`
answers a pickup with `pickup_rates` of the carriers in `pickup_carriers`,
`GET /v2/pickups/{id}` shows it, and `POST /v2/pickups/{id}/buy` with
`{"carrier", "service"}` schedules it (again: 422 `PICKUP.ALREADY_SCHEDULED`). Errors
as `{"error": {"code", "message", "errors"}}`. It can be told what to do to the
next requests: answer 500 without doing anything, or answer late after doing it.
It remembers every request, shipment and purchase: what the tests look at.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler

from tests.integrations.fake_server import LocalServer

API_KEY = "EZTK_postsale_fake_key"
PDF = b"%PDF-1.4\n% a carrier's return label\n%%EOF\n"
PICKUP_RATES = [("UPS", "Same-day Pickup", "6.50"), ("UPS", "Future-day Pickup", "4.20")]
RATES = [
    ("USPS", "Priority", "7.90"),
    ("UPS", "Ground", "9.10"),
    ("UPS", "NextDayAir", "31.00"),
    ("DHLExpress", "ExpressWorldwide", "12.00"),
]


class FakeEasyPost(LocalServer):
    def __init__(self, *, api_key: str = API_KEY, qr_carriers=("USPS",), pickup_carriers=("UPS",)):
        self.api_key = api_key
        self.qr_carriers = set(qr_carriers)
        self.pickup_carriers = set(pickup_carriers)
        self.pickups: dict[str, dict] = {}
        self.pickups_bought: list[dict] = []
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.shipments: dict[str, dict] = {}
        self.bought: list[dict] = []
        self.script: list = []
        self._serve()

    def then(self, *steps) -> None:
        """Steps for the next API requests: "500", ("late", seconds)."""
        super().then(*steps)

    # --- the server side ---------------------------------------------------------------

    def _authorised(self, headers: dict) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()
        return headers.get("authorization") == expected

    def _answer(self, method: str, path: str, headers: dict, body: dict) -> tuple[int, dict | bytes, float]:
        if path.startswith("/labels/"):
            return 200, PDF, 0
        if not self._authorised(headers):
            return 401, _error("APIKEY.INACTIVE", "This api key is no longer active."), 0
        with self.lock:
            self.requests.append({"method": method, "path": path, "headers": headers, "body": body})
            step = self.script.pop(0) if self.script else None
            if step == "500":
                return 500, _error("INTERNAL_SERVER_ERROR", "We're sorry, something went wrong."), 0
            status, answer = self._do(method, path, body)
        delay = step[1] if isinstance(step, tuple) and step[0] == "late" else 0
        return status, answer, delay

    def _do(self, method: str, path: str, body: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v2", "shipments"]:
            shipment = self._shipment(body.get("shipment") or {})
            self.shipments[shipment["id"]] = shipment
            return 201, shipment
        if len(parts) >= 3 and parts[:2] == ["v2", "shipments"] and parts[2] in self.shipments:
            shipment = self.shipments[parts[2]]
            if method == "GET" and len(parts) == 3:
                return 200, shipment
            if method == "POST" and parts[3:] == ["buy"]:
                if shipment["postage_label"]:
                    return 422, _error("SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment.")
                rate = next(
                    (r for r in shipment["rates"] if r["id"] == (body.get("rate") or {}).get("id")), None
                )
                if rate is None:
                    return 422, _error("SHIPMENT.RATE.INVALID", "The rate is not one of this shipment's.")
                self._buy(shipment, rate)
                return 200, shipment
        if parts[:2] == ["v2", "pickups"]:
            return self._pickup(method, parts[2:], body)
        return 404, _error("NOT_FOUND", "The requested resource could not be found.")

    def _pickup(self, method: str, rest: list[str], body: dict) -> tuple[int, dict]:
        if method == "POST" and not rest:
            given = body.get("pickup") or {}
            shipment = self.shipments.get((given.get("shipment") or {}).get("id"))
            if shipment is None or not shipment["postage_label"]:
                return 422, _error("PICKUP.SHIPMENT.INVALID", "The shipment must be bought before a pickup.")
            pid = f"pickup_{secrets.token_hex(8)}"
            carrier = shipment["selected_rate"]["carrier"]
            self.pickups[pid] = {
                "id": pid,
                "object": "Pickup",
                "mode": "test",
                "status": "unknown",
                "reference": given.get("reference"),
                "min_datetime": given.get("min_datetime"),
                "max_datetime": given.get("max_datetime"),
                "is_account_address": given.get("is_account_address"),
                "instructions": given.get("instructions"),
                "address": given.get("address"),
                "shipment_id": shipment["id"],
                "confirmation": None,
                "pickup_rates": [
                    {
                        "id": f"pickuprate_{secrets.token_hex(6)}",
                        "object": "PickupRate",
                        "carrier": name,
                        "service": service,
                        "rate": price,
                        "currency": "USD",
                        "pickup_id": pid,
                    }
                    for name, service, price in PICKUP_RATES
                    if name == carrier and carrier in self.pickup_carriers
                ],
            }
            return 201, self.pickups[pid]
        pickup = self.pickups.get(rest[0]) if rest else None
        if pickup is None:
            return 404, _error("NOT_FOUND", "The requested resource could not be found.")
        if method == "GET" and len(rest) == 1:
            return 200, pickup
        if method == "POST" and rest[1:] == ["buy"]:
            if pickup["status"] == "scheduled":
                return 422, _error("PICKUP.ALREADY_SCHEDULED", "This pickup is already scheduled.")
            rate = next(
                (
                    r
                    for r in pickup["pickup_rates"]
                    if (r["carrier"], r["service"]) == (body.get("carrier"), body.get("service"))
                ),
                None,
            )
            if rate is None:
                return 422, _error("PICKUP.RATE.INVALID", "No pickup rate for this carrier and service.")
            pickup["status"] = "scheduled"
            pickup["confirmation"] = f"WTC{secrets.token_hex(4).upper()}"
            self.pickups_bought.append({"pickup": pickup["id"], "rate": rate})
            return 200, pickup
        return 404, _error("NOT_FOUND", "The requested resource could not be found.")

    def _shipment(self, given: dict) -> dict:
        sid = f"shp_{secrets.token_hex(8)}"
        return {
            "id": sid,
            "object": "Shipment",
            "mode": "test",
            "is_return": given.get("is_return"),
            "reference": given.get("reference"),
            "to_address": given.get("to_address"),
            "from_address": given.get("from_address"),
            "parcel": {"object": "Parcel", **(given.get("parcel") or {})},
            "options": given.get("options") or {},
            "rates": [
                {
                    "id": f"rate_{secrets.token_hex(6)}",
                    "object": "Rate",
                    "carrier": carrier,
                    "service": service,
                    "rate": price,
                    "currency": "USD",
                    "shipment_id": sid,
                }
                for carrier, service, price in RATES
            ],
            "selected_rate": None,
            "postage_label": None,
            "tracking_code": None,
            "tracker": None,
            "forms": [],
        }

    def _buy(self, shipment: dict, rate: dict) -> None:
        tracking = f"1Z{secrets.token_hex(8).upper()}"
        shipment["selected_rate"] = rate
        shipment["tracking_code"] = tracking
        shipment["postage_label"] = {
            "object": "PostageLabel",
            "label_file_type": "application/pdf",
            "label_url": f"{self.url}/labels/{shipment['id']}.png",
            "label_pdf_url": f"{self.url}/labels/{shipment['id']}.pdf",
        }
        shipment["tracker"] = {"object": "Tracker", "tracking_code": tracking, "status": "pre_transit"}
        if rate["carrier"] in self.qr_carriers:
            shipment["forms"] = [
                {
                    "object": "Form",
                    "form_type": "label_qr_code",
                    "form_url": f"{self.url}/forms/{shipment['id']}-qr.png",
                    "submitted_electronically": None,
                }
            ]
        self.bought.append({"shipment": shipment["id"], "rate": rate})

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, answer, delay = fake._answer(method, self.path, headers, body)
                if delay:
                    time.sleep(delay)
                content = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    kind = "application/pdf" if isinstance(answer, bytes) else "application/json"
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped waiting

            def do_GET(self):  # noqa: N802 (http.server's name)
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def log_message(self, *args):
                pass

        return Handler


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "errors": []}}
