"""PayPal disputes open (or update) a chargeback case on the captured order they concern."""

import base64
import json
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


def paypal_headers(body: bytes, *, webhook_id=WEBHOOK_ID, key=_KEY):
    transmission_id = "69cd13f0-d67a-11e5-baa3-778b53f4ae55"
    transmission_time = "2026-05-04T16:01:35Z"
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
