"""What every local fake provider shares: a threaded HTTP server on a free port, and a script.

Each fake (Stripe, PayPal, Shopify, WooCommerce, EasyPost) speaks its provider's documented
requests and answers; this base only serves them. `then(...)` queues what the next requests
should meet (a 500, a late answer, a refusal), in order, so a test says what goes wrong where.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


class LocalServer:
    """Subclasses set their own state first, then call `self._serve()` with `_handler()` ready."""

    def _serve(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self):
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def then(self, *steps) -> None:
        """Steps for the next requests, in order; each fake says which steps it knows."""
        self.script.extend(steps)
