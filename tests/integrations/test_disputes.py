"""Stripe and PayPal disputes open (or update) a chargeback case on the order they concern."""

import base64
import hashlib
import hmac
import json
import time
import zlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import Group, User

from cases.models import CaseEvent
from claims.models import Claim
from config.roles import OWNERS
from integrations.models import InboundEvent, InboundStatus
from integrations.providers import SignatureInvalid, paypal
from messaging.models import OutboundMessage, OwnerEvent
from tests.factories import make_order

from .conftest import body_of, post, process_all

# --- Stripe -----------------------------------------------------------------------

WHSEC = "whsec_5f8c2b1e9d7a4c3b"


def stripe_signature(body: bytes, secret: str = WHSEC, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def dispute_event(
    kind="charge.dispute.created",
    *,
    event_id="evt_1PqXyZLkdIwHu7ix0aBcDeF1",
    status="needs_response",
    charge="ch_3PqW2sLkdIwHu7ix1",
    amount=6570,
    currency="eur",
    reason="product_not_received",
    created=1777900000,
):
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": created,
        "livemode": True,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
        "data": {
            "object": {
                "id": "dp_1PqXyZLkdIwHu7ixAbCdEf12",
                "object": "dispute",
                "amount": amount,
                "charge": charge,
                "currency": currency,
                "created": 1777900000,
                "evidence_details": {
                    "due_by": 1778716799,
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
                "is_charge_refundable": False,
                "livemode": True,
                "payment_intent": "pi_3PqW2sLkdIwHu7ix1T0aBcDe",
                "reason": reason,
                "status": status,
            }
        },
    }


def send_stripe(web, shop, payload, **signature):
    body = body_of(payload)
    return post(web, "stripe", shop.slug, body, {"Stripe-Signature": stripe_signature(body, **signature)})


@pytest.fixture
def stripe(connect):
    return connect("stripe", WHSEC)


@pytest.fixture
def paid_order(shop):
    return make_order(
        shop,
        number="2001",
        total="65.70",
        payment={
            "method": "card",
            "status": "paid",
            "amount": Decimal("65.70"),
            "reference": "ch_3PqW2sLkdIwHu7ix1",
        },
    )


def test_stripe_dispute_opens_a_chargeback_case_and_tells_the_owners(web, shop, stripe, paid_order, owner):
    owner.email = "inhaberin@leinen.example"
    owner.save()
    assert send_stripe(web, shop, dispute_event()).status_code == 200
    [event] = process_all()

    assert event.status == InboundStatus.PROCESSED, event.error
    claim = Claim.objects.select_related("case").get()
    assert claim.case.order == paid_order
    assert (claim.type, claim.dispute_provider, claim.dispute_reference) == (
        "chargeback",
        "stripe",
        "dp_1PqXyZLkdIwHu7ixAbCdEf12",
    )
    assert claim.dispute_amount == Decimal("65.70")  # 6570 cents
    assert claim.dispute_reason == "product_not_received"
    assert claim.respond_by == datetime.fromtimestamp(1778716799, tz=UTC)
    assert OutboundMessage.objects.filter(
        case=claim.case, event=OwnerEvent.OWNER_DISPUTE, to_email=owner.email
    ).exists()


def test_stripe_dispute_matches_the_payment_intent_too(web, shop, stripe):
    make_order(
        shop,
        number="2002",
        payment={"method": "card", "reference": "pi_3PqW2sLkdIwHu7ix1T0aBcDe", "amount": Decimal("10")},
    )
    send_stripe(web, shop, dispute_event(charge="ch_unknown"))
    process_all()

    assert Claim.objects.get().case.order.number == "2002"


def test_stripe_zero_decimal_currency_amount_is_not_divided(web, shop, stripe):
    make_order(
        shop,
        number="2003",
        payment={"method": "card", "reference": "ch_3PqW2sLkdIwHu7ix1", "amount": Decimal("6570")},
    )
    send_stripe(web, shop, dispute_event(currency="jpy"))
    process_all()

    assert Claim.objects.get().dispute_amount == Decimal("6570.00")


def test_stripe_update_before_create_still_gives_one_case(web, shop, stripe, paid_order):
    send_stripe(web, shop, dispute_event("charge.dispute.updated", event_id="evt_2", status="under_review"))
    send_stripe(web, shop, dispute_event("charge.dispute.created", event_id="evt_1"))
    send_stripe(web, shop, dispute_event("charge.dispute.closed", event_id="evt_3", status="won"))

    assert [e.status for e in process_all()] == ["processed"] * 3
    claim = Claim.objects.get()
    assert list(
        CaseEvent.objects.filter(case=claim.case, verb="dispute_updated").values_list("new", flat=True)
    ) == ["needs_response", "won"]


def test_one_new_dispute_tells_each_owner_once(web, shop, stripe, paid_order, owner):
    owner.email = "inhaberin@leinen.example"
    owner.save()
    partner = User.objects.create_user(username="partner", email="partner@leinen.example")
    partner.groups.add(Group.objects.get(name=OWNERS))
    send_stripe(web, shop, dispute_event())
    process_all()

    messages = OutboundMessage.objects.filter(event=OwnerEvent.OWNER_DISPUTE)
    assert sorted(messages.values_list("to_email", flat=True)) == [
        "inhaberin@leinen.example",
        "partner@leinen.example",
    ]


def test_stripe_update_delivered_after_the_close_does_not_undo_it(web, shop, stripe, paid_order):
    send_stripe(web, shop, dispute_event("charge.dispute.created", event_id="evt_1", created=1777900000))
    send_stripe(
        web,
        shop,
        dispute_event("charge.dispute.closed", event_id="evt_3", status="lost", created=1778700000),
    )
    # Sent before the close, delivered after it (Stripe does not keep events in order).
    late = dispute_event(
        "charge.dispute.updated",
        event_id="evt_2",
        status="under_review",
        amount=5000,
        reason="fraudulent",
        created=1778000000,
    )
    late["data"]["object"]["evidence_details"]["due_by"] = 1779000000
    send_stripe(web, shop, late)

    created, closed, updated = process_all()

    assert (created.status, closed.status) == (InboundStatus.PROCESSED, InboundStatus.PROCESSED)
    assert updated.status == InboundStatus.IGNORED
    assert "older" in updated.error
    claim = Claim.objects.get()
    assert (claim.dispute_reason, claim.dispute_amount) == ("product_not_received", Decimal("65.70"))
    assert claim.respond_by == datetime.fromtimestamp(1778716799, tz=UTC)
    assert list(
        CaseEvent.objects.filter(case=claim.case, verb="dispute_updated").values_list("new", flat=True)
    ) == ["lost"]


def test_stripe_signature_older_than_five_minutes_is_refused(web, shop, stripe, paid_order):
    response = send_stripe(web, shop, dispute_event(), timestamp=int(time.time()) - 301)

    assert response.status_code == 401
    assert not InboundEvent.objects.exists()


def test_stripe_wrong_secret_is_refused(web, shop, stripe):
    assert send_stripe(web, shop, dispute_event(), secret="whsec_other").status_code == 401


def test_stripe_accepts_any_matching_v1_during_secret_rotation(web, shop, stripe):
    body = body_of(dispute_event())
    timestamp = int(time.time())
    good = stripe_signature(body, timestamp=timestamp).split(",")[1]
    header = f"t={timestamp},v1={'0' * 64},{good}"

    assert post(web, "stripe", shop.slug, body, {"Stripe-Signature": header}).status_code == 200


def test_stripe_dispute_for_an_order_we_do_not_know_fails_visibly(web, shop, stripe):
    send_stripe(web, shop, dispute_event(charge="ch_nobody"))
    [event] = process_all()

    assert event.status == InboundStatus.FAILED
    assert "ch_nobody" in event.error
    assert not Claim.objects.exists()


def test_stripe_event_postsale_does_not_use_is_ignored(web, shop, stripe):
    payload = dispute_event("charge.succeeded")
    send_stripe(web, shop, payload)

    assert [e.status for e in process_all()] == ["ignored"]


def test_stripe_signed_but_not_an_event_is_400(web, shop, stripe):
    assert send_stripe(web, shop, {"id": "evt_1"}).status_code == 400


# --- PayPal ---------------------------------------------------------------------

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
    settings.PAYPAL_CERTIFICATE_SOURCE = "tests.integrations.test_disputes.FakeCertificateSource"
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
