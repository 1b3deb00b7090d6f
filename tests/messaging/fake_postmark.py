"""Postmark's send API on loopback: POST /email answers as Postmark documents it, with a random MessageID.

https://postmarkapp.com/developer/api/email-api#send-a-single-email
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "postmark-server-token-test"


class FakePostmark:
    def __init__(self):
        self.sent: list[dict] = []
        self.inactive: set[str] = set()  # addresses Postmark refuses (hard-bounced before)
        self.unavailable = False  # answer 503 to every send
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/email" or self.headers.get("X-Postmark-Server-Token") != TOKEN:
                    self._answer(401, {"ErrorCode": 10, "Message": "Bad or missing Server API token."})
                    return
                if fake.unavailable:
                    self._answer(503, {"ErrorCode": 0, "Message": "Service unavailable"})
                    return
                refused = [address for address in fake.inactive if address in body["To"]]
                if refused:
                    # A recipient that hard-bounced before: Postmark refuses to send to it again.
                    self._answer(
                        422,
                        {
                            "ErrorCode": 406,
                            "Message": "You tried to send to a recipient that has been marked as inactive.\n"
                            f"Found inactive addresses: {', '.join(refused)}.\n"
                            "Inactive recipients are ones that have generated a hard bounce or a spam complaint.",
                        },
                    )
                    return
                answer = {
                    "To": body["To"],
                    "SubmittedAt": "2026-11-23T14:02:00.0000000-05:00",
                    "MessageID": str(uuid.uuid4()),
                    "ErrorCode": 0,
                    "Message": "OK",
                }
                fake.sent.append({**body, "MessageID": answer["MessageID"]})
                self._answer(200, answer)

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
