"""One small module per provider: check its signature over the raw body, then map its payload.

A webhook provider module has:

- `verify(body: bytes, headers, integration)`: raise `SignatureInvalid` unless the
  provider signed exactly these bytes;
- `identify(payload: dict, headers, body: bytes) -> (event_id, topic)`: the id we
  deduplicate on, taken from what the provider signed (a header nobody signed can
  be changed by whoever replays a captured delivery);
- optionally `delivery_id(headers) -> str`: a signed id of the transmission itself
  (PayPal's), refused when it comes a second time whatever the body says;
- `process(event, payload)`: apply it through our services (`integrations.services`:
  `order_sync`, `tracking` or `disputes`); raise `Ignored` for a delivery that has
  nothing for us, `NotYet` for one that must wait (a fulfilment before its order).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone

from orders.services import carrier_code


class SignatureInvalid(Exception):
    """Missing or wrong signature: answered 401, nothing stored."""


class Stale(SignatureInvalid):
    """Signed, but at a time outside the window: answered 401, nothing stored."""


class MalformedBody(Exception):
    """Signed, but not a payload we can read: answered 400, nothing stored."""


class Ignored(Exception):
    """Nothing to do with this delivery (an older copy, a topic we do not use)."""


class NotYet(Exception):
    """Cannot be applied yet (what it refers to has not arrived): retried later."""


class UnknownParcel(NotYet):
    """Tracking for parcels no order of the shop names.

    Their order may still be on its way, so it is retried like any NotYet; but
    an aggregator also tracks parcels shipped outside the shop system, whose
    order never comes, so the waiting ends (see `inbound_event_process`).
    """

    def __init__(self, numbers):
        self.numbers = sorted(numbers)
        super().__init__(f"No shipment with tracking number {', '.join(self.numbers)} yet.")


def header(headers, name: str) -> str:
    """A header by case-insensitive name, from Django's request.headers or a plain dict."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
        return ""
    return value


def same(expected: str | bytes, given: str | bytes) -> bool:
    if isinstance(expected, str):
        expected = expected.encode()
    if isinstance(given, str):
        given = given.encode()
    return hmac.compare_digest(expected, given)


def verify_base64_hmac(body: bytes, headers, secret: str, signature_header: str) -> None:
    """Shopify, WooCommerce and AfterShip sign alike: base64 of HMAC-SHA256 over the raw body."""
    given = header(headers, signature_header)
    if not given or not secret:
        raise SignatureInvalid(f"Missing {signature_header}.")
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if not same(base64.b64encode(digest), given.strip()):
        raise SignatureInvalid(f"{signature_header} does not match the body.")


# How long a signed delivery may be replayed: five minutes, as Stripe's own libraries allow.
# The future gets only a few seconds for clocks that differ (servers on NTP differ by far less);
# a delivery signed "ahead" would otherwise stay replayable for as long as it claims to be young.
MAX_AGE_SECONDS = 300
CLOCK_SKEW_SECONDS = 5


def check_signed_time(signed_at: float, *, what: str, now: float | None = None) -> None:
    """Refuse (Stale) a delivery whose signed time, in Unix seconds, is too old or in the future."""
    age = (time.time() if now is None else now) - signed_at
    if age > MAX_AGE_SECONDS:
        raise Stale(f"{what} is more than {MAX_AGE_SECONDS} seconds old.")
    check_future(signed_at, what=what, now=now)


def check_future(signed_at: float, *, what: str, now: float | None = None) -> None:
    if signed_at - (time.time() if now is None else now) > CLOCK_SKEW_SECONDS:
        raise Stale(f"{what} is in the future.")


def load_json(body: bytes) -> dict:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedBody(f"The body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise MalformedBody("The body is not a JSON object.")
    return payload


def require(payload: dict, *keys: str) -> None:
    missing = [key for key in keys if payload.get(key) in (None, "")]
    if missing:
        raise MalformedBody(f"Missing {', '.join(missing)}.")


def parse_datetime(value, *, naive_zone: str = "UTC") -> datetime | None:
    """ISO 8601 or a Unix timestamp; a time without offset is read in `naive_zone`."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=ZoneInfo("UTC"))
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=ZoneInfo("UTC"))
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=ZoneInfo(naive_zone))
    return parsed


def parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    text = str(value)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def money(value, default: str = "0") -> Decimal:
    if value in (None, ""):
        value = default
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(f"Not an amount: {value!r}") from exc


def language_from_locale(locale: str | None) -> str:
    """'de-CH', 'sv_SE', 'en' → our language code, '' when we do not write that language."""
    code = (locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in ("de", "sv", "en") else ""


# Shop systems and aggregators name carriers freely; the parcels we poll must
# land on the carrier codes the pollers ask about. Names these do not cover
# fall to CARRIER_FAMILIES below.
CARRIER_ALIASES = {
    "deutsche-post": "dhl",
    # Its own code, which parcels stored earlier carry; the DHL poller asks about both.
    "dhlexpress": "dhl-express",
    "dhl-express": "dhl-express",
    # Posten AB, part of PostNord since 2009 (Posten Norge is Bring, not PostNord).
    "posten": "postnord",
}


# Each of these carriers has one tracking API for all its services and
# countries, so every name with the family's word in it ("PostNord Sverige AB",
# "DHL Intraship (DE)", "DHL.se", "Deutsche Post DHL") is the one polled code.
CARRIER_FAMILIES = ("postnord", "dhl")


def carrier_for(name: str | None) -> str:
    code = carrier_code((name or "").strip())
    if code in CARRIER_ALIASES:
        return CARRIER_ALIASES[code]
    words = re.split(r"[-_]", code)
    family = next((f for f in CARRIER_FAMILIES if any(word.startswith(f) for word in words)), None)
    return family or code or "other"


def provider(source: str):
    from . import aftership, easypost, paypal, shopify, stripe, woocommerce

    return {
        "shopify": shopify,
        "woocommerce": woocommerce,
        "easypost": easypost,
        "aftership": aftership,
        "stripe": stripe,
        "paypal": paypal,
    }[source]
