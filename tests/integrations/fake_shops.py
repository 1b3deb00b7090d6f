"""Local PayPal, Shopify and WooCommerce that speak their refund APIs as documented.

- PayPal: `POST /v1/oauth2/token` (Basic client id:secret, `grant_type=client_credentials`),
  `POST /v2/payments/captures/{id}/refund` (Bearer token, `PayPal-Request-Id`: a repeated id
  gets the first answer again); errors as `{"name", "message", "details": [{"issue", "description"}]}`.
  https://developer.paypal.com/docs/api/payments/v2/#captures_refund
- Shopify: `GET /admin/api/<v>/orders/{id}/transactions.json`, `GET|POST …/refunds.json`
  (`X-Shopify-Access-Token`); errors as `{"errors": …}`. No idempotency key: a refund is
  made each time one is posted. https://shopify.dev/docs/api/admin-rest/latest/resources/refund
- WooCommerce: `GET|POST /wp-json/wc/v3/orders/{id}/refunds` (Basic consumer key:secret);
  errors as `{"code", "message", "data": {"status"}}`. No idempotency key either.
  https://woocommerce.github.io/woocommerce-rest-api-docs/#create-a-refund

Shopify's `GET|POST /admin/api/<v>/gift_cards.json` and WooCommerce's `GET|POST /wp-json/wc/v3/coupons`
make store credit (no idempotency key either).
https://shopify.dev/docs/api/admin-rest/latest/resources/gift-card,
https://woocommerce.github.io/woocommerce-rest-api-docs/#create-a-coupon

Each can be told what to do to the next refund requests (`then`): answer late after
making the refund, answer 500 without doing anything, or refuse with the provider's
error. They remember every request and every refund made: what the tests look at.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from tests.integrations.fake_server import LocalServer


class FakeServer(LocalServer):
    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[dict] = []  # every request: method, path, headers, body
        self.refunds: list[dict] = []  # every refund made
        self.gift_cards: list[dict] = []  # Shopify: every gift card made
        self.coupons: list[dict] = []  # WooCommerce: every coupon made
        self.script: list = []  # what to do to the next refund-making requests, in order
        self._serve()

    def then(self, *steps) -> None:
        """Steps for the next refund requests: ("late", seconds), "500", ("refuse", status, error body)."""
        super().then(*steps)

    def posted(self, path_part: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and path_part in r["path"]]

    def step(self):
        """The next scripted step, or None: make the refund. Call with the lock held."""
        return self.script.pop(0) if self.script else None

    def route(self, method: str, path: str, headers: dict, body) -> tuple[int, object, float]:
        raise NotImplementedError

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                headers = {name.lower(): value for name, value in self.headers.items()}
                if headers.get("content-type", "").startswith("application/json") and raw:
                    body = json.loads(raw)
                else:
                    body = dict(parse_qsl(raw))
                with fake.lock:
                    fake.requests.append(
                        {"method": self.command, "path": self.path, "headers": headers, "body": body}
                    )
                status, answer, delay = fake.route(self.command, self.path, headers, body)
                if delay:
                    time.sleep(delay)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting: the provider did the work all the same

            do_GET = do_POST = _serve  # noqa: N815 (http.server's names)

            def log_message(self, *args):
                pass

        return Handler


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _scripted(step, make):
    """Status, body, delay for a refund-making request under the scripted step."""
    if step == "500":
        return 500, {"message": "Internal Server Error"}, 0
    if isinstance(step, tuple) and step[0] == "refuse":
        return step[1], step[2], 0
    status, body = make()
    delay = step[1] if isinstance(step, tuple) and step[0] == "late" else 0
    return status, body, delay


PAYPAL_CLIENT_ID = "AbPostsaleFakeClientId"
PAYPAL_SECRET = "EFakePayPalSecret"


class FakePayPal(FakeServer):
    def __init__(self, *, refund_status: str = "COMPLETED", token_lifetime: int = 32400):
        super().__init__()
        self.refund_status = refund_status
        self.token_lifetime = token_lifetime
        self.tokens: set[str] = set()
        self.answers: dict[str, tuple[int, dict]] = {}  # PayPal-Request-Id -> first answer

    def route(self, method, path, headers, body):
        if method == "POST" and path == "/v1/oauth2/token":
            if headers.get("authorization") != _basic(PAYPAL_CLIENT_ID, PAYPAL_SECRET):
                return (
                    401,
                    {"error": "invalid_client", "error_description": "Client Authentication failed"},
                    0,
                )
            token = f"A21AA{secrets.token_hex(16)}"
            self.tokens.add(token)
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime}, 0
        match = re.fullmatch(r"/v2/payments/captures/([A-Z0-9]+)/refund", path)
        if method != "POST" or not match:
            return 404, {"name": "RESOURCE_NOT_FOUND", "message": "The specified resource does not exist."}, 0
        if headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return 401, {"name": "AUTHENTICATION_FAILURE", "message": "Authentication failed."}, 0
        key = headers.get("paypal-request-id", "")
        with self.lock:
            if key and key in self.answers:
                status, answer = self.answers[key]
                return status, answer, 0
            step = self.step()

            def make():
                refund = {
                    "id": f"1JU08902781691411{len(self.refunds)}",
                    "capture_id": match.group(1),
                    "amount": body["amount"],
                    "custom_id": body.get("custom_id"),
                    "status": self.refund_status,
                }
                self.refunds.append(refund)
                return 201, refund

            status, answer, delay = _scripted(step, make)
            if key and status < 500:
                self.answers[key] = (status, answer)
        return status, answer, delay


SHOPIFY_TOKEN = "shpat_postsale_fake_token"
SHOPIFY_ORDER = "450789469"


class FakeShopify(FakeServer):
    def __init__(self):
        super().__init__()
        self.transactions = {
            SHOPIFY_ORDER: [
                {
                    "id": 389404469,
                    "kind": "authorization",
                    "status": "success",
                    "gateway": "shopify_payments",
                },
                {"id": 389404470, "kind": "capture", "status": "success", "gateway": "shopify_payments"},
            ]
        }

    def route(self, method, path, headers, body):
        if headers.get("x-shopify-access-token") != SHOPIFY_TOKEN:
            return (
                401,
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
                0,
            )
        if re.fullmatch(r"/admin/api/[0-9-]+/gift_cards\.json(\?.*)?", path):
            return self.gift_card_route(method, body)
        match = re.fullmatch(r"/admin/api/[0-9-]+/orders/([0-9]+)/(transactions|refunds)\.json", path)
        if not match or match.group(1) not in self.transactions:
            return 404, {"errors": "Not Found"}, 0
        order_id, what = match.groups()
        if method == "GET" and what == "transactions":
            return 200, {"transactions": self.transactions[order_id]}, 0
        if method == "GET":
            return 200, {"refunds": [r for r in self.refunds if r["order_id"] == int(order_id)]}, 0
        if what != "refunds":
            return 404, {"errors": "Not Found"}, 0
        with self.lock:
            step = self.step()

            def make():
                given = body["refund"]
                refund = {
                    "id": 509562969 + len(self.refunds),
                    "order_id": int(order_id),
                    "note": given.get("note"),
                    "transactions": [
                        dict(t, id=179259969 + len(self.refunds), status="success")
                        for t in given["transactions"]
                    ],
                }
                self.refunds.append(refund)
                return 201, {"refund": refund}

            return _scripted(step, make)

    def gift_card_route(self, method, body):
        """Gift cards: listed without their code (Shopify shows only `last_characters` after creation)."""
        if method == "GET":
            listed = [{k: v for k, v in card.items() if k != "code"} for card in self.gift_cards]
            return 200, {"gift_cards": listed}, 0
        given = body.get("gift_card") or {}
        code = str(given.get("code") or secrets.token_hex(8))
        if not re.fullmatch(r"[A-Za-z0-9]{8,20}", code):
            return 422, {"errors": {"code": ["is invalid"]}}, 0
        with self.lock:
            step = self.step()

            def make():
                card = {
                    "id": 1035197676 + len(self.gift_cards),
                    "initial_value": given.get("initial_value"),
                    "balance": given.get("initial_value"),
                    "note": given.get("note"),
                    "code": code,
                    "last_characters": code[-4:],
                }
                self.gift_cards.append(card)
                return 201, {"gift_card": card}

            return _scripted(step, make)


WOO_KEY = "ck_postsalefake0123456789"
WOO_SECRET = "cs_postsalefake0123456789"
WOO_ORDER = "727"


class FakeWooCommerce(FakeServer):
    def coupon_route(self, method, path, body):
        """Coupons: `?code=` finds one by its code; a code taken twice is refused, as WooCommerce does."""
        if method == "GET":
            query = dict(parse_qsl(path.partition("?")[2]))
            wanted = query.get("code", "").lower()
            return 200, [c for c in self.coupons if not wanted or c["code"] == wanted], 0
        code = str(body.get("code") or "").lower()
        if any(c["code"] == code for c in self.coupons):
            return (
                400,
                {
                    "code": "woocommerce_rest_coupon_code_already_exists",
                    "message": "The coupon code already exists",
                    "data": {"status": 400},
                },
                0,
            )
        with self.lock:
            step = self.step()

            def make():
                # WooCommerce keeps coupon codes in lower case.
                coupon = dict(body, id=720 + len(self.coupons), code=code)
                self.coupons.append(coupon)
                return 201, coupon

            return _scripted(step, make)

    def route(self, method, path, headers, body):
        if headers.get("authorization") != _basic(WOO_KEY, WOO_SECRET):
            return (
                401,
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                },
                0,
            )
        if re.fullmatch(r"/wp-json/wc/v3/coupons(\?.*)?", path):
            return self.coupon_route(method, path, body)
        match = re.fullmatch(r"/wp-json/wc/v3/orders/([0-9]+)/refunds", path)
        if not match or match.group(1) != WOO_ORDER:
            return (
                404,
                {
                    "code": "woocommerce_rest_shop_order_invalid_id",
                    "message": "Invalid ID.",
                    "data": {"status": 404},
                },
                0,
            )
        if method == "GET":
            return 200, [r for r in self.refunds if r["order_id"] == int(match.group(1))], 0
        with self.lock:
            step = self.step()

            def make():
                refund = {
                    "id": 726 + len(self.refunds),
                    "order_id": int(match.group(1)),
                    "amount": body["amount"],
                    "reason": body.get("reason", ""),
                    "refunded_payment": bool(body.get("api_refund")),
                    "meta_data": [dict(m, id=i) for i, m in enumerate(body.get("meta_data") or [])],
                }
                self.refunds.append(refund)
                return 201, refund

            return _scripted(step, make)
