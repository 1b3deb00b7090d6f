"""A small HTTP client for the carriers' tracking APIs: a rate limit, and backoff on 429 and 5xx."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

from django.utils import timezone


class HttpError(Exception):
    def __init__(self, status: int, body: bytes = b""):
        super().__init__(f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
        self.status = status
        self.body = body


class Unavailable(HttpError):
    """Still 429 or 5xx (or no connection) after the retries: try again on a later run."""


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def _lower(headers) -> dict:
    return {key.lower(): value for key, value in (headers.items() if headers else [])}


class HttpClient:
    def __init__(
        self,
        *,
        min_interval: float = 0.0,
        max_retries: int = 3,
        base_backoff: float = 2.0,
        max_backoff: float = 60.0,
        timeout: float = 10.0,
        sleep=time.sleep,
        clock=time.monotonic,
    ):
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self._last_start: float | None = None

    def _wait_turn(self) -> None:
        # The carriers' limits are per key and per second: space the calls out.
        if self._last_start is not None and self.min_interval:
            wait = self._last_start + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_start = self.clock()

    def get(self, url: str, *, params: dict | None = None, headers: dict | None = None) -> Response:
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
        for attempt in range(self.max_retries + 1):
            self._wait_turn()
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as raw:  # noqa: S310 (URLs from settings)
                    response = Response(raw.status, raw.read(), _lower(raw.headers))
            except urllib.error.HTTPError as exc:
                response = Response(exc.code, exc.read(), _lower(exc.headers))
            except (urllib.error.URLError, OSError) as exc:
                if attempt == self.max_retries:
                    raise Unavailable(0, str(exc).encode()) from exc
                self.sleep(min(self.base_backoff * 2**attempt, self.max_backoff))
                continue
            if response.status == 429 or response.status >= 500:
                if attempt == self.max_retries:
                    raise Unavailable(response.status, response.body)
                delay = retry_after_seconds(response.headers.get("retry-after"))
                self.sleep(
                    min(delay if delay is not None else self.base_backoff * 2**attempt, self.max_backoff)
                )
                continue
            if response.status >= 400:
                raise HttpError(response.status, response.body)
            return response
        raise AssertionError("unreachable")
