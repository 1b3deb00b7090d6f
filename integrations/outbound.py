"""Calls to providers for the kernel's outbound calls (`cases.outbound`): one HTTP request per attempt.

`request` sends one request and sorts the answer the way `cases.outbound`
retries: no answer, 409, 429 and 5xx are `Transient`; another 4xx is `Refused`
with the provider's own message; 2xx is an `Answer`. No retries in here: the
worker retries, later, with the same idempotency key.

`register` (from `IntegrationsConfig.ready`) puts the senders and refund
gateways into the kernel's registries.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

from django.conf import settings

from cases.gateways import register_gateway
from cases.outbound import Answer, Refused, Transient, register_sender

ANSWER_CHARS = 2000


def _message(status: int, body: str) -> str:
    """The provider's own words where its error JSON has them (Stripe's, PayPal's, Shopify's, WooCommerce's), else the body."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:300] or f"HTTP {status}"
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            code = error.get("code") or error.get("type") or ""
            text = error.get("message") or ""
            return f"{text} ({code})" if code and text else (text or code or body[:300])
        # PayPal: {"name", "message", "details": [{"issue", "description"}]}; the issue says what is wrong.
        details = data.get("details")
        if isinstance(details, list) and details and isinstance(details[0], dict):
            issue = details[0].get("issue") or ""
            text = details[0].get("description") or data.get("message") or ""
            return f"{text} ({issue})" if issue else str(text)
        if isinstance(error, str) and error:  # PayPal's OAuth: {"error", "error_description"}
            return str(data.get("error_description") or error)
        if data.get("message"):  # WooCommerce adds a code: {"code", "message", "data": {"status"}}
            code = data.get("code")
            return f"{data['message']} ({code})" if isinstance(code, str) and code else str(data["message"])
        # Shopify: {"errors": "Not Found"} or {"errors": {"field": ["is wrong"]}}.
        errors = data.get("errors")
        if isinstance(errors, str) and errors:
            return errors
        if isinstance(errors, dict) and errors:
            return "; ".join(
                f"{name}: {', '.join(map(str, said)) if isinstance(said, list) else said}"
                for name, said in errors.items()
            )
    return body[:300]


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _transport(req: urllib.request.Request, *, max_bytes: int = -1) -> tuple[int, bytes]:
    """Send one request; its status and body, sorted the way `cases.outbound` retries.

    No answer, 409 (Stripe's "idempotency_key_in_use": the first attempt still running
    there), 429 and 5xx are `Transient`; another 4xx is `Refused` with the provider's words.
    """
    try:
        with urllib.request.urlopen(req, timeout=settings.POSTSALE_OUTBOUND_TIMEOUT) as answer:  # noqa: S310 (the integration's URL)
            status, content = answer.status, answer.read(max_bytes)
    except urllib.error.HTTPError as exc:
        status, content = exc.code, exc.read(ANSWER_CHARS * 4)
    except TimeoutError as exc:
        raise Transient(f"No answer within {settings.POSTSALE_OUTBOUND_TIMEOUT:g} s") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise Transient(f"No connection: {getattr(exc, 'reason', exc)}") from exc
    if status in (409, 429) or status >= 500:
        raise Transient(_message(status, content.decode("utf-8", "replace")), status_code=status)
    if status >= 400:
        text = content.decode("utf-8", "replace")
        raise Refused(_message(status, text), status_code=status, body=text[:ANSWER_CHARS])
    return status, content


def download(url: str, *, max_bytes: int, headers: dict | None = None) -> bytes:
    """A file the provider made (a label PDF), at most `max_bytes` + 1 bytes read."""
    _status, content = _transport(urllib.request.Request(url, headers=headers or {}), max_bytes=max_bytes + 1)
    return content


def request(
    method: str,
    url: str,
    *,
    form: dict | None = None,
    body: bytes | None = None,
    content_type: str = "",
    json_body: dict | None = None,
    headers: dict | None = None,
    reference_key: str = "id",
) -> Answer:
    """One request: a form, a JSON body, or a `body` of `content_type` (a multipart file upload)."""
    all_headers = {"Accept": "application/json", **(headers or {})}
    data = body
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    elif form is not None:
        data = urlencode(form).encode()
        all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif body is not None and content_type:
        all_headers.setdefault("Content-Type", content_type)
    status, raw = _transport(urllib.request.Request(url, data=data, headers=all_headers, method=method))
    body = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        parsed = {}
    # A list (WooCommerce's refunds of an order) comes as {"items": [...]}.
    parsed = parsed if isinstance(parsed, dict) else {"items": parsed} if isinstance(parsed, list) else {}
    return Answer(
        status_code=status,
        body=body[:ANSWER_CHARS],
        reference=str(parsed.get(reference_key) or ""),
        data=parsed,
    )


def register() -> None:
    from .providers import (  # they call `request` above
        easypost_labels,
        shop_credit,
        shop_orders,
        shop_refunds,
        stripe_disputes,
        stripe_refunds,
    )

    # In the order they are asked about a payment that names no provider: an order from a shop
    # system is refunded where it was placed (a Shopify Payments `pi_…` is not the shop's own
    # Stripe's), then a Stripe reference, then a PayPal payment.
    for gateway, sender in shop_refunds.SHOP_GATEWAYS:
        register_gateway(gateway)
        register_sender("refund.create", gateway.name, sender)
    register_gateway(stripe_refunds.StripeGateway())
    register_sender("refund.create", "stripe", stripe_refunds.send_refund)
    register_gateway(shop_refunds.PAYPAL_GATEWAY[0])
    register_sender("refund.create", "paypal", shop_refunds.PAYPAL_GATEWAY[1])
    register_sender("label.create", "easypost", easypost_labels.send_label)
    register_sender("pickup.book", "easypost", easypost_labels.send_pickup)
    stripe_disputes.register()
    shop_orders.register()
    shop_credit.register()
