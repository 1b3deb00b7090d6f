"""PayPal webhooks: `CUSTOMER.DISPUTE.*` open or update a chargeback case; `PAYMENT.CAPTURE.REFUNDED`
completes a refund Postsale sent (`providers.shop_refunds`); `PAYMENT.CAPTURE.COMPLETED` clears the
payment it names (a held order ships).

Signature: PayPal signs, with its private key, the string

    <PAYPAL-TRANSMISSION-ID>|<PAYPAL-TRANSMISSION-TIME>|<webhook id>|<CRC32 of the raw body, decimal>

(`PAYPAL-AUTH-ALGO` says SHA256withRSA) and sends the base64 signature in
`PAYPAL-TRANSMISSION-SIG`, with the certificate holding the public key at
`PAYPAL-CERT-URL`. The webhook id is the integration's secret: a delivery meant
for another webhook does not verify here.

The certificate comes from a `PayPalCertificateSource`. The production one
fetches it over HTTPS from PayPal's own domains only (anything else in the
header is refused, or anyone could sign with their own certificate) and caches
it. The alternative, one API call per delivery, is PayPal's
`POST /v1/notifications/verify-webhook-signature` with the same five header
values, the webhook id and the event; it needs OAuth client credentials and a
round trip to PayPal inside the 2xx budget, so we verify locally instead.

Replays: the transmission time is signed, so a delivery more than five minutes
old or from the future is refused (`check_signed_time`); PayPal signs each
retry anew. The body is covered only by its CRC32, which anyone can make match
a changed body, so its event `id` alone is no proof that a delivery is new:
the signed transmission id is stored too (`delivery_id`), and a second
delivery with it is a duplicate whatever its body says.

Duplicates: the event `id` (WH-…) is kept across PayPal's retries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import urllib.request
import zlib
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from ..services import disputes, order_sync, refunds
from . import (
    Ignored,
    MalformedBody,
    SignatureInvalid,
    check_signed_time,
    header,
    money,
    parse_datetime,
    require,
)

KEPT_HEADERS = (
    "PAYPAL-TRANSMISSION-ID",
    "PAYPAL-TRANSMISSION-TIME",
    "PAYPAL-TRANSMISSION-SIG",
    "PAYPAL-CERT-URL",
    "PAYPAL-AUTH-ALGO",
)
# A resolved dispute's outcome_code (PayPal's dispute_outcome): who won, for the shop.
DISPUTE_OUTCOMES = {
    "RESOLVED_BUYER_FAVOUR": "lost",
    "ACCEPTED": "lost",
    "RESOLVED_SELLER_FAVOUR": "won",
    "RESOLVED_WITH_PAYOUT": "won",
    "CANCELED_BY_BUYER": "won",
    "DENIED": "won",
}
DISPUTE_TOPICS = {"CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.UPDATED", "CUSTOMER.DISPUTE.RESOLVED"}
REFUND_TOPICS = {"PAYMENT.CAPTURE.REFUNDED"}
# A capture that was pending (an eCheck, a review) completes: the money is in.
PAYMENT_TOPICS = {"PAYMENT.CAPTURE.COMPLETED"}
CERT_CACHE_SECONDS = 24 * 3600
CERT_FETCH_TIMEOUT = 5


class PayPalCertificateSource(Protocol):
    def certificate(self, url: str):
        """The X.509 certificate (a `cryptography` Certificate) published at `url`, or raise SignatureInvalid."""


def allowed_certificate_url(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return (
        parts.scheme == "https"
        and (host == "paypal.com" or host.endswith(".paypal.com"))
        and parts.port
        in (
            None,
            443,
        )
    )


class HttpsCertificateSource:
    """Fetches PayPal's signing certificate over HTTPS from *.paypal.com and caches it."""

    def certificate(self, url: str):
        from cryptography import x509

        if not allowed_certificate_url(url):
            raise SignatureInvalid("PAYPAL-CERT-URL is not an https URL on paypal.com.")
        key = "paypal-cert:" + hashlib.sha256(url.encode()).hexdigest()
        pem = cache.get(key)
        if pem is None:
            try:
                with urllib.request.urlopen(url, timeout=CERT_FETCH_TIMEOUT) as response:  # noqa: S310 (https only, checked above)
                    pem = response.read(64 * 1024)
            except OSError as exc:
                raise SignatureInvalid(f"Could not fetch PayPal's certificate: {exc}") from exc
            cache.set(key, pem, CERT_CACHE_SECONDS)
        try:
            return x509.load_pem_x509_certificate(pem)
        except ValueError as exc:
            raise SignatureInvalid("PAYPAL-CERT-URL did not give a PEM certificate.") from exc


def certificate_source() -> PayPalCertificateSource:
    path = getattr(
        settings, "PAYPAL_CERTIFICATE_SOURCE", "integrations.providers.paypal.HttpsCertificateSource"
    )
    return import_string(path)()


def signed_string(body: bytes, *, transmission_id: str, transmission_time: str, webhook_id: str) -> bytes:
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}".encode()


def verify(body: bytes, headers, integration, *, source: PayPalCertificateSource | None = None) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    values = {name: header(headers, name) for name in KEPT_HEADERS}
    if not all(values.values()) or not integration.signing_secret:
        raise SignatureInvalid("Missing PayPal transmission headers.")
    if values["PAYPAL-AUTH-ALGO"] != "SHA256withRSA":
        raise SignatureInvalid(f"Unexpected PAYPAL-AUTH-ALGO {values['PAYPAL-AUTH-ALGO']}.")
    try:
        signature = base64.b64decode(values["PAYPAL-TRANSMISSION-SIG"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("PAYPAL-TRANSMISSION-SIG is not base64.") from exc
    certificate = (source or certificate_source()).certificate(values["PAYPAL-CERT-URL"])
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SignatureInvalid("PayPal's certificate is expired or not yet valid.")
    message = signed_string(
        body,
        transmission_id=values["PAYPAL-TRANSMISSION-ID"],
        transmission_time=values["PAYPAL-TRANSMISSION-TIME"],
        webhook_id=integration.signing_secret,
    )
    try:
        certificate.public_key().verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, TypeError, ValueError) as exc:
        raise SignatureInvalid("PAYPAL-TRANSMISSION-SIG does not match.") from exc
    try:
        sent_at = parse_datetime(values["PAYPAL-TRANSMISSION-TIME"])
    except ValueError as exc:
        raise SignatureInvalid("PAYPAL-TRANSMISSION-TIME is not a date and time.") from exc
    check_signed_time(sent_at.timestamp(), what="PAYPAL-TRANSMISSION-TIME")


def delivery_id(headers) -> str:
    return header(headers, "PAYPAL-TRANSMISSION-ID")


def identify(payload: dict, headers, body: bytes = b"") -> tuple[str, str]:
    require(payload, "id", "event_type")
    if not isinstance(payload.get("resource"), dict):
        raise MalformedBody("Missing resource.")
    return str(payload["id"]), str(payload["event_type"])


def process(event, payload: dict) -> str:
    if event.topic in REFUND_TOPICS:
        refund = payload["resource"]
        require(refund, "id")
        if not refunds.paypal_refund_update(
            integration=event.integration,
            refund_id=str(refund["id"]),
            status=str(refund.get("status") or ""),
            custom_id=str(refund.get("custom_id") or ""),
        ):
            raise Ignored(f"Refund {refund['id']} was not made by Postsale for this shop.")
        return f"refund {refund['id']}"
    if event.topic in PAYMENT_TOPICS:
        capture = payload["resource"]
        require(capture, "id")
        return order_sync.payment_cleared(
            integration=event.integration,
            references=[str(capture["id"])],
            cleared_at=parse_datetime(capture.get("update_time") or payload.get("create_time")),
        )
    if event.topic not in DISPUTE_TOPICS:
        raise Ignored(f"Event {event.topic} is not used by Postsale.")
    dispute = payload["resource"]
    require(dispute, "dispute_id")
    disputed = dispute.get("disputed_transactions") or []
    # seller_transaction_id is the capture id: what the shop stored as the payment reference.
    references = [str(t["seller_transaction_id"]) for t in disputed if t.get("seller_transaction_id")]
    amount_data = dispute.get("dispute_amount") or {}
    status = str(dispute.get("status") or "")
    outcome = (dispute.get("dispute_outcome") or {}).get("outcome_code")
    # What PayPal gave the buyer back when the seller lost; PayPal names no dispute fee here.
    refunded = (dispute.get("dispute_outcome") or {}).get("amount_refunded") or {}
    return disputes.dispute_record(
        integration=event.integration,
        provider="paypal",
        dispute_id=str(dispute["dispute_id"]),
        payment_references=references,
        reason=str(dispute.get("reason") or ""),
        amount=money(amount_data["value"]) if amount_data.get("value") else None,
        respond_by=parse_datetime(dispute.get("seller_response_due_date")),
        status=f"{status}:{outcome}" if outcome else status,
        topic=event.topic,
        # The dispute's own last change; the event's `create_time` when it has none.
        source_updated_at=parse_datetime(dispute.get("update_time") or payload.get("create_time")),
        outcome=DISPUTE_OUTCOMES.get(str(outcome or ""), "") if status == "RESOLVED" else "",
        lost_amount=money(refunded["value"]) if refunded.get("value") else None,
    )
