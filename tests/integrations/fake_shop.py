"""A local Shopify and WooCommerce that speak the order endpoints Postsale calls, as their docs describe them.

Shopify (https://shopify.dev/docs/api/admin-rest/latest/resources/draftorder,
.../fulfillmentorder, .../order): `X-Shopify-Access-Token`; draft orders made,
listed, read and completed into orders; fulfillment orders held and released;
orders cancelled. Errors as `{"errors": ...}`.

WooCommerce (https://woocommerce.github.io/woocommerce-rest-api-docs/#orders):
HTTP Basic with the consumer key and secret; orders made, listed and updated.
Errors as `{"code", "message", "data": {"status"}}`.

Neither takes an idempotency key, as in life. It can be told to answer the next
requests with a 500 after doing the work ("500 after") or without doing it
("500"), or to refuse with a 422. It remembers every request and what it made.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.integrations.fake_server import LocalServer

SHOPIFY_TOKEN = "shpat_postsale_fake_token"
WOO_KEY = "ck_postsale_fake:cs_postsale_fake"


class FakeShop(LocalServer):
    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.drafts: dict[int, dict] = {}
        self.orders: dict[int, dict] = {}  # Shopify orders, by id
        self.fulfillment_orders: dict[int, dict] = {}
        self.woo_orders: dict[int, dict] = {}
        self.next_id = 5000
        self.script: list = []
        self._serve()

    def then(self, *steps) -> None:
        """Steps for the next writing requests (POST/PUT): "500", "500 after", ("422", message)."""
        super().then(*steps)

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def shopify_order(self, order_id: int, *, fulfillment_status: str = "open") -> dict:
        """An order the shop already has (the original), with one fulfillment order."""
        order = {"id": order_id, "name": f"#{order_id}", "cancelled_at": None}
        self.orders[order_id] = order
        fo = self._id()
        self.fulfillment_orders[fo] = {"id": fo, "order_id": order_id, "status": fulfillment_status}
        return order

    def woo_order(self, order_id: int, status: str = "pending") -> dict:
        order = {"id": order_id, "number": str(order_id), "status": status, "meta_data": []}
        self.woo_orders[order_id] = order
        return order

    def writes(self, path_part: str) -> list[dict]:
        return [r for r in self.requests if r["method"] in ("POST", "PUT") and path_part in r["path"]]

    # --- the server side ---------------------------------------------------------------

    def _route(self, method: str, path: str, query: dict, headers: dict, body: dict):
        if path.startswith("/admin/api/"):
            if headers.get("x-shopify-access-token") != SHOPIFY_TOKEN:
                return 401, {
                    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
                }
            return self._shopify(method, re.sub(r"^/admin/api/[^/]+/", "", path), query, body)
        if path.startswith("/wp-json/wc/v3/"):
            expected = "Basic " + base64.b64encode(WOO_KEY.encode()).decode()
            if headers.get("authorization") != expected:
                return 401, _woo_error(
                    "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401
                )
            return self._woo(method, path[len("/wp-json/wc/v3/") :], query, body)
        return 404, {"errors": "Not Found"}

    def _shopify(self, method, path, query, body):
        if method == "POST" and path == "draft_orders.json":
            draft = dict(body["draft_order"], id=self._id(), status="open", order_id=None, name="#D1")
            self.drafts[draft["id"]] = draft
            return 201, {"draft_order": draft}
        if method == "GET" and path == "draft_orders.json":
            return 200, {"draft_orders": list(self.drafts.values())}
        if m := re.fullmatch(r"draft_orders/(\d+)\.json", path):
            draft = self.drafts.get(int(m[1]))
            return (200, {"draft_order": draft}) if draft else (404, {"errors": "Not Found"})
        if (m := re.fullmatch(r"draft_orders/(\d+)/complete\.json", path)) and method == "PUT":
            draft = self.drafts.get(int(m[1]))
            if draft is None:
                return 404, {"errors": "Not Found"}
            if draft["status"] == "completed":
                return 422, {"errors": {"base": ["This order has been paid"]}}
            order = self.shopify_order(self._id())
            order.update(
                draft=draft,
                financial_status="pending" if query.get("payment_pending") == ["true"] else "paid",
            )
            draft.update(status="completed", order_id=order["id"])
            return 200, {"draft_order": draft}
        if m := re.fullmatch(r"orders/(\d+)\.json", path):
            order = self.orders.get(int(m[1]))
            return (200, {"order": order}) if order else (404, {"errors": "Not Found"})
        if m := re.fullmatch(r"orders/(\d+)/fulfillment_orders\.json", path):
            found = [fo for fo in self.fulfillment_orders.values() if fo["order_id"] == int(m[1])]
            return 200, {"fulfillment_orders": found}
        if (
            m := re.fullmatch(r"fulfillment_orders/(\d+)/(hold|release_hold)\.json", path)
        ) and method == "POST":
            fo = self.fulfillment_orders[int(m[1])]
            wanted_from, to = ("open", "on_hold") if m[2] == "hold" else ("on_hold", "open")
            if fo["status"] != wanted_from:
                return 422, {"errors": [f"The fulfillment order's status must be {wanted_from}."]}
            fo["status"] = to
            return 200, {"fulfillment_order": fo}
        if (m := re.fullmatch(r"orders/(\d+)/cancel\.json", path)) and method == "POST":
            order = self.orders[int(m[1])]
            if order["cancelled_at"]:
                return 422, {"error": "Cannot cancel an order that has already been cancelled"}
            order["cancelled_at"] = "2026-12-07T05:00:00Z"
            return 200, {"order": order}
        return 404, {"errors": "Not Found"}

    def _woo(self, method, path, query, body):
        if method == "POST" and path == "orders":
            oid = self._id()
            order = dict(body, id=oid, number=str(oid))
            self.woo_orders[oid] = order
            return 201, order
        if method == "GET" and path == "orders":
            return 200, list(self.woo_orders.values())
        if m := re.fullmatch(r"orders/(\d+)", path):
            order = self.woo_orders.get(int(m[1]))
            if order is None:
                return 404, _woo_error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
            if method == "PUT":
                order.update(body)
            return 200, order
        return 404, _woo_error(
            "rest_no_route", "No route was found matching the URL and request method.", 404
        )

    def _answer(self, method: str, raw_path: str, headers: dict, body: dict) -> tuple[int, bytes]:
        split = urlsplit(raw_path)
        query = parse_qs(split.query)
        with self.lock:
            self.requests.append({"method": method, "path": split.path, "query": query, "body": body})
            step = self.script.pop(0) if self.script and method in ("POST", "PUT") else None
            if step == "500":
                return 500, json.dumps({"errors": "Internal Server Error"}).encode()
            if isinstance(step, tuple) and step[0] == "422":
                if "/wp-json/" in split.path:
                    return 422, json.dumps(_woo_error("woocommerce_rest_invalid", step[1], 422)).encode()
                return 422, json.dumps({"errors": {"base": [step[1]]}}).encode()
            status, answer = self._route(method, split.path, query, headers, body)
            if step == "500 after":
                return 500, json.dumps({"errors": "Internal Server Error"}).encode()
            return status, json.dumps(answer).encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, answer = fake._answer(self.command, self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = _serve  # noqa: N815 (http.server's names)

            def log_message(self, *args):
                pass

        return Handler


def _woo_error(code: str, message: str, status: int) -> dict:
    return {"code": code, "message": message, "data": {"status": status}}
