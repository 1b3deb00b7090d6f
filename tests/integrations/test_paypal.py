"""PayPal disputes open (or update) a chargeback case on the captured order they concern."""

import base64
import json
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from cases.models import CaseEvent
from claims.models import Claim
from integrations.models import InboundEvent, InboundStatus
from integrations.providers import SignatureInvalid, paypal
from tests.factories import make_order

from .conftest import body_of, post, process_all

WEBHOOK_ID = "8PT597110X687430LKGECATA"


CERT_URL = "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"


_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate():
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "messageverificationcerts.paypal.com")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(_KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(_KEY, hashes.SHA256())
    )


CERTIFICATE = _certificate()


class FakeCertificateSource:
    """Serves the certificate made above, for PayPal's URL only, like the real source would."""

    requested: list[str] = []

    def certificate(self, url):
        FakeCertificateSource.requested.append(url)
        if url != CERT_URL:
            raise SignatureInvalid("unknown certificate")
        return CERTIFICATE


@pytest.fixture
def paypal_integration(connect, settings):
    settings.PAYPAL_CERTIFICATE_SOURCE = "tests.integrations.test_paypal.FakeCertificateSource"
    return connect("paypal", WEBHOOK_ID)


def paypal_headers(body: bytes, *, webhook_id=WEBHOOK_ID, key=_KEY, sent_at=None, transmission_id=None):
    # Each transmission has an id of its own and is signed when it is sent, retries too.
    transmission_id = transmission_id or str(uuid.uuid4())
    transmission_time = (sent_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}".encode()
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return {
        "PAYPAL-TRANSMISSION-ID": transmission_id,
        "PAYPAL-TRANSMISSION-TIME": transmission_time,
        "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
        "PAYPAL-CERT-URL": CERT_URL,
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    }


def paypal_dispute(
    kind="CUSTOMER.DISPUTE.CREATED", *, event_id="WH-4M0448861G563140B-9EX36365822141321", status="OPEN"
):
    return {
        "id": event_id,
        "create_time": "2026-05-04T16:01:30.000Z",
        "resource_type": "dispute",
        "event_type": kind,
        "summary": "A new dispute opened with Case # PP-D-27803",
        "resource": {
            "dispute_id": "PP-D-27803",
            "create_time": "2026-05-04T16:01:21.000Z",
            "update_time": "2026-05-04T16:01:21.000Z",
            "disputed_transactions": [
                {
                    "seller_transaction_id": "8MC585209K746392H",
                    "create_time": "2026-04-20T10:00:00.000Z",
                    "gross_amount": {"currency_code": "EUR", "value": "65.70"},
                }
            ],
            "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
            "status": status,
            "dispute_amount": {"currency_code": "EUR", "value": "65.70"},
            "dispute_life_cycle_stage": "INQUIRY",
            "dispute_channel": "INTERNAL",
            "seller_response_due_date": "2026-05-24T16:01:21.000Z",
            "links": [],
        },
        "links": [],
    }


def send_paypal(web, shop, payload, **kwargs):
    body = body_of(payload)
    return post(web, "paypal", shop.slug, body, paypal_headers(body, **kwargs))


@pytest.fixture
def paypal_order(shop):
    return make_order(
        shop,
        number="3001",
        total="65.70",
        payment={"method": "paypal", "reference": "8MC585209K746392H", "amount": Decimal("65.70")},
    )


def test_paypal_dispute_opens_a_chargeback_case_on_the_captured_order(
    web, shop, paypal_integration, paypal_order
):
    assert send_paypal(web, shop, paypal_dispute()).status_code == 200
    [event] = process_all()

    assert event.status == InboundStatus.PROCESSED, event.error
    claim = Claim.objects.select_related("case").get()
    assert claim.case.order == paypal_order
    assert (claim.dispute_provider, claim.dispute_reference, claim.dispute_amount) == (
        "paypal",
        "PP-D-27803",
        Decimal("65.70"),
    )
    assert claim.respond_by == datetime(2026, 5, 24, 16, 1, 21, tzinfo=UTC)
    assert FakeCertificateSource.requested[-1] == CERT_URL


def test_paypal_resolution_updates_the_same_case(web, shop, paypal_integration, paypal_order):
    send_paypal(web, shop, paypal_dispute())
    send_paypal(web, shop, paypal_dispute("CUSTOMER.DISPUTE.RESOLVED", event_id="WH-2", status="RESOLVED"))
    process_all()

    claim = Claim.objects.get()
    assert CaseEvent.objects.filter(case=claim.case, verb="dispute_updated", new="RESOLVED").exists()


def test_paypal_update_older_than_the_resolution_is_ignored(web, shop, paypal_integration, paypal_order):
    resolved = paypal_dispute("CUSTOMER.DISPUTE.RESOLVED", event_id="WH-3", status="RESOLVED")
    resolved["resource"]["update_time"] = "2026-05-20T09:00:00.000Z"
    late = paypal_dispute("CUSTOMER.DISPUTE.UPDATED", event_id="WH-2", status="UNDER_REVIEW")
    late["resource"]["update_time"] = "2026-05-10T09:00:00.000Z"
    late["resource"]["seller_response_due_date"] = "2026-05-30T16:01:21.000Z"
    for payload in (paypal_dispute(), resolved, late):
        send_paypal(web, shop, payload)

    assert [event.status for event in process_all()] == ["processed", "processed", "ignored"]
    claim = Claim.objects.get()
    assert claim.respond_by == datetime(2026, 5, 24, 16, 1, 21, tzinfo=UTC)
    assert list(
        CaseEvent.objects.filter(case=claim.case, verb="dispute_updated").values_list("new", flat=True)
    ) == ["RESOLVED"]


def test_paypal_signature_made_with_another_key_is_refused(web, shop, paypal_integration, paypal_order):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert send_paypal(web, shop, paypal_dispute(), key=other).status_code == 401
    assert not InboundEvent.objects.exists()


def test_paypal_delivery_meant_for_another_webhook_is_refused(web, shop, paypal_integration, paypal_order):
    assert send_paypal(web, shop, paypal_dispute(), webhook_id="SOMEOTHERWEBHOOK").status_code == 401


def test_paypal_certificate_from_outside_paypal_is_never_fetched(settings):
    source = paypal.HttpsCertificateSource()
    for url in (
        "http://api.paypal.com/v1/notifications/certs/CERT-1",
        "https://paypal.com.evil.example/cert.pem",
        "https://evilpaypal.com/cert.pem",
        "https://api.paypal.com:8443/cert.pem",
    ):
        with pytest.raises(SignatureInvalid):
            source.certificate(url)
    assert paypal.allowed_certificate_url("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1")


def test_paypal_missing_headers_are_refused(web, shop, paypal_integration):
    body = json.dumps(paypal_dispute()).encode()

    assert post(web, "paypal", shop.slug, body, {}).status_code == 401


@pytest.mark.parametrize(
    "sent_at",
    [timedelta(minutes=-10), timedelta(minutes=10)],
    ids=["signed 10 minutes ago", "signed 10 minutes ahead"],
)
def test_paypal_delivery_outside_five_minutes_is_refused(
    web, shop, paypal_integration, paypal_order, sent_at
):
    response = send_paypal(web, shop, paypal_dispute(), sent_at=datetime.now(UTC) + sent_at)

    assert response.status_code == 401
    assert "PAYPAL-TRANSMISSION-TIME" in response.json()["error"]
    assert not InboundEvent.objects.exists()


def test_paypal_delivery_a_few_seconds_ahead_is_taken(web, shop, paypal_integration, paypal_order):
    # Clocks differ a little: the sender's may run a few seconds ahead of ours.
    response = send_paypal(web, shop, paypal_dispute(), sent_at=datetime.now(UTC) + timedelta(seconds=3))

    assert response.status_code == 200


def _forge_crc32(body: bytes, placeholder: bytes, target: int) -> bytes:
    """`body` with letters of `placeholder` swapped ('a' ↔ 'c') so that its CRC32 is `target`.

    CRC32 is affine over GF(2): flipping a fixed set of bits changes the checksum by a fixed
    amount. Each position of the placeholder offers one such change; solving for the
    checksum's 32 bits picks which to make. It is how anyone changes a signed PayPal body.
    """
    start = body.index(placeholder)
    zero = zlib.crc32(bytes(len(body)))
    effects = []
    for offset in range(len(placeholder)):
        flip = bytearray(len(body))
        flip[start + offset] = ord("a") ^ ord("c")
        effects.append((zlib.crc32(bytes(flip)) ^ zero, 1 << offset))
    wanted, basis = zlib.crc32(body) ^ target, {}
    for effect, chosen in effects:  # Gaussian elimination, one pivot bit per row
        for bit, (row, row_chosen) in basis.items():
            if effect >> bit & 1:
                effect, chosen = effect ^ row, chosen ^ row_chosen
        if effect:
            basis[effect.bit_length() - 1] = (effect, chosen)
    chosen = 0
    for bit in sorted(basis, reverse=True):
        row, row_chosen = basis[bit]
        if wanted >> bit & 1:
            wanted, chosen = wanted ^ row, chosen ^ row_chosen
    assert wanted == 0, "no solution; use a longer placeholder"
    forged = bytearray(body)
    for offset in range(len(placeholder)):
        if chosen >> offset & 1:
            forged[start + offset] = ord("c")
    return bytes(forged)


def test_paypal_transmission_replayed_with_another_body_is_a_duplicate(
    web, shop, paypal_integration, paypal_order
):
    # The attacker captured the "dispute opened" delivery. PayPal signs the body only through
    # its CRC32, so they change the event id and the dispute's status, make the CRC32 match
    # again, and send it with the captured headers within the five minutes.
    body = body_of(paypal_dispute() | {"summary": "a" * 48})
    headers = paypal_headers(body)
    assert post(web, "paypal", shop.slug, body, headers).status_code == 200
    changed = paypal_dispute("CUSTOMER.DISPUTE.RESOLVED", event_id="WH-FORGED", status="RESOLVED")
    forged = _forge_crc32(body_of(changed | {"summary": "a" * 48}), b"a" * 48, zlib.crc32(body))
    assert zlib.crc32(forged) == zlib.crc32(body) and forged != body

    response = post(web, "paypal", shop.slug, forged, headers)

    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert list(InboundEvent.objects.values_list("provider_event_id", flat=True)) == [paypal_dispute()["id"]]


def resolved_dispute(outcome: str, *, refunded: str | None = None):
    payload = paypal_dispute("CUSTOMER.DISPUTE.RESOLVED", event_id="WH-9", status="RESOLVED")
    payload["resource"]["update_time"] = "2026-05-20T09:00:00.000Z"
    payload["resource"]["dispute_outcome"] = {"outcome_code": outcome}
    if refunded:
        payload["resource"]["dispute_outcome"]["amount_refunded"] = {
            "currency_code": "EUR",
            "value": refunded,
        }
    return payload


def test_a_paypal_dispute_decided_for_the_seller_resolves_the_case(
    web, shop, paypal_integration, paypal_order
):
    send_paypal(web, shop, paypal_dispute())
    send_paypal(web, shop, resolved_dispute("RESOLVED_SELLER_FAVOUR"))
    process_all()

    claim = Claim.objects.select_related("case").get()
    assert (claim.case.status, claim.dispute_outcome, claim.case.cost_total) == (
        "resolved",
        "won",
        Decimal("0"),
    )


def test_a_paypal_dispute_decided_for_the_buyer_costs_what_paypal_gave_back(
    web, shop, paypal_integration, paypal_order
):
    send_paypal(web, shop, paypal_dispute())
    send_paypal(web, shop, resolved_dispute("RESOLVED_BUYER_FAVOUR", refunded="60.00"))
    process_all()

    claim = Claim.objects.select_related("case").get()
    assert (claim.case.status, claim.dispute_outcome) == ("resolved", "lost")
    assert claim.case.cost_total == Decimal("60.00")
    assert (
        CaseEvent.objects.get(case=claim.case, verb="dispute_decided").data["reason_code"] == "dispute_lost"
    )
