"""A local Stripe that speaks `POST /v1/refunds` as Stripe documents it (https://docs.stripe.com/api/refunds/create).

Form-encoded requests with `Authorization: Bearer <key>` and `Idempotency-Key`;
the refund object as JSON; errors as `{"error": {"type", "code", "message"}}`.
A key it has answered before gets the first answer again (with
`Idempotent-Replayed: true`), as Stripe does for 24 hours. It can be told what
to do to the next requests: answer late (after making the refund, as a slow
Stripe would), answer 500 or 429 without doing anything, or refuse with a 402.
It remembers every request and every refund it made: what the tests look at.

Disputes too: `POST /v1/files` (multipart, `purpose=dispute_evidence`; Stripe's
files host, served here on the same port) and `POST /v1/disputes/{id}` with
`evidence[…]` and `submit`, on the disputes it was given (`add_dispute`). A
closed dispute, or one past its `due_by`, is refused with a 400 as Stripe does.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from tests.integrations.fake_server import LocalServer

API_KEY = "sk_test_51PostsaleFakeKey"


class FakeStripe(LocalServer):
    def __init__(self, *, api_key: str = API_KEY, latency: float = 0.0, refund_status: str = "succeeded"):
        self.api_key = api_key
        self.latency = latency
        self.refund_status = refund_status
        self.lock = threading.Lock()
        self.requests: list[dict] = []  # every request: headers and form
        self.refunds: list[dict] = []  # every refund made
        self.answers: dict[str, tuple[int, bytes]] = {}  # idempotency key -> first answer
        self.script: list = []  # what to do to the next requests, in order
        self.files: list[dict] = []  # every file uploaded: id, purpose, filename, content
        self.disputes: dict[str, dict] = {}  # dispute id -> the dispute object
        self._serve()

    def then(self, *steps) -> None:
        """Steps for the next requests: "ok", ("late", seconds), "500", "429", ("402", code, message)."""
        super().then(*steps)

    def refunds_for(self, payment: str) -> list[dict]:
        return [r for r in self.refunds if payment in (r["charge"], r["payment_intent"])]

    def add_dispute(
        self, dispute_id: str, *, status: str = "needs_response", due_by: int | None = None
    ) -> dict:
        dispute = {
            "id": dispute_id,
            "object": "dispute",
            "status": status,
            "evidence": {},
            "evidence_details": {
                "due_by": due_by or int(time.time()) + 7 * 86400,
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
            },
            "metadata": {},
        }
        self.disputes[dispute_id] = dispute
        return dispute

    def requests_to(self, path: str) -> list[dict]:
        return [r for r in self.requests if r.get("path", "/v1/refunds").startswith(path)]

    # --- the server side ---------------------------------------------------------------

    def _answer(
        self, headers: dict, form: dict, path: str = "/v1/refunds"
    ) -> tuple[int, dict | bytes, float]:
        """Status, body, and how long to wait before sending it."""
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, _error("invalid_request_error", "", "Invalid API Key provided."), 0
        key = headers.get("idempotency-key", "")
        with self.lock:
            self.requests.append({"headers": headers, "form": form, "path": path})
            if key and key in self.answers:
                status, body = self.answers[key]
                return status, body, 0
            step = self.script.pop(0) if self.script else None
            if step in ("500", "429"):
                message = "Too many requests." if step == "429" else "An unknown error occurred."
                return int(step), _error("api_error", "", message), 0
            if isinstance(step, tuple) and step[0] == "402":
                status, body = 402, _error("invalid_request_error", step[1], step[2])
            elif path == "/v1/files":
                status, body = self._file(form)
            elif path.startswith("/v1/disputes/"):
                status, body = self._dispute(path[len("/v1/disputes/") :], form)
            else:
                refund = self._refund(form)
                self.refunds.append(refund)
                status, body = 200, json.dumps(refund).encode()
            if key:
                self.answers[key] = (status, body)
        delay = step[1] if isinstance(step, tuple) and step[0] == "late" else 0
        return status, body, delay + self.latency

    def _refund(self, form: dict) -> dict:
        return {
            "id": f"re_{secrets.token_hex(12)}",
            "object": "refund",
            "amount": int(form.get("amount", 0)),
            "balance_transaction": f"txn_{secrets.token_hex(12)}",
            "charge": form.get("charge") or f"ch_for_{form.get('payment_intent', '')}",
            "created": int(time.time()),
            "currency": "eur",
            "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
            "payment_intent": form.get("payment_intent"),
            "reason": form.get("reason"),
            "status": self.refund_status,
        }

    def _file(self, form: dict) -> tuple[int, bytes]:
        if form.get("purpose") != "dispute_evidence" or not form.get("file"):
            return 400, _error("invalid_request_error", "parameter_missing", "Missing required param: file.")
        made = {
            "id": f"file_{secrets.token_hex(12)}",
            "object": "file",
            "purpose": form["purpose"],
            "filename": form.get("filename", ""),
            "size": len(form["file"]),
            "type": "pdf",
        }
        self.files.append(dict(made, content=form["file"]))
        return 200, json.dumps(made).encode()

    def _dispute(self, dispute_id: str, form: dict) -> tuple[int, bytes]:
        dispute = self.disputes.get(dispute_id)
        if dispute is None:
            return 404, _error(
                "invalid_request_error", "resource_missing", f"No such dispute: '{dispute_id}'"
            )
        if dispute["status"] not in ("needs_response", "warning_needs_response"):
            return 400, _error("invalid_request_error", "", "This dispute is already closed.")
        if dispute["evidence_details"]["due_by"] < time.time():
            return 400, _error(
                "invalid_request_error", "", "The deadline for responding to this dispute has passed."
            )
        known = {f["id"] for f in self.files}
        evidence = {k[len("evidence[") : -1]: v for k, v in form.items() if k.startswith("evidence[")}
        for name in ("customer_communication", "uncategorized_file", "shipping_documentation"):
            if name in evidence and evidence[name] not in known:
                return 400, _error("invalid_request_error", "", f"No such file upload: '{evidence[name]}'")
        dispute["evidence"].update(evidence)
        dispute["evidence_details"]["has_evidence"] = True
        if form.get("submit") == "true":
            dispute["status"] = "under_review"
            dispute["evidence_details"]["submission_count"] += 1
        return 200, json.dumps(dispute).encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                if headers.get("content-type", "").startswith("multipart/form-data"):
                    form = _multipart(headers["content-type"], raw)
                else:
                    form = dict(parse_qsl(raw.decode()))
                if self.path == "/v1/files" or self.path.startswith("/v1/disputes/"):
                    status, body, delay = fake._answer(headers, form, self.path)
                elif self.path != "/v1/refunds":
                    status, body, delay = (
                        404,
                        _error("invalid_request_error", "", "Unrecognized request URL."),
                        0,
                    )
                else:
                    status, body, delay = fake._answer(headers, form)
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting: Stripe did the work all the same

            def log_message(self, *args):
                pass

        return Handler


def _multipart(content_type: str, raw: bytes) -> dict:
    """The parts of a multipart body: text fields as text, the file as bytes (and its filename)."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    form = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename:
            form[name], form["filename"] = content, filename
        else:
            form[name] = content.decode()
    return form


def _error(kind: str, code: str, message: str) -> bytes:
    error = {"type": kind, "message": message}
    if code:
        error["code"] = code
    return json.dumps({"error": error}).encode()
