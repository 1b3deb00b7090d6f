"""Carrier return labels through EasyPost: approving a return buys exactly one label, whatever the wire does.

EasyPost is `FakeEasyPost`, a local HTTP server that makes return shipments,
sells their rates once (a second purchase is a 422) and serves the label PDF.
The worker's task is run here as the worker runs it (`outbound_send`), `later`
seconds from now when a retry is due.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import CaseStatus, OutboundCall, OutboundStatus
from cases.outbound import outbound_send
from integrations.services import integration_configure
from messaging.models import OutboundMessage
from messaging.rendering import render_message
from returns.models import LabelSource, ReturnPolicy, ReturnStatus
from returns.services import return_label_issue
from tests.factories import NAPKINS, make_order, make_return, track

from .conftest import process_all
from .fake_easypost import API_KEY, PDF, FakeEasyPost
from .test_easypost import EP_SECRET, detail, send_easypost, tracker_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    server = FakeEasyPost(qr_carriers=("USPS",)).start()
    yield server
    server.stop()


@pytest.fixture
def policy(shop, fake):
    integration_configure(shop=shop, source="easypost", secret=EP_SECRET, api_key=API_KEY, api_url=fake.url)
    return ReturnPolicy.objects.create(
        shop=shop,
        label_source=LabelSource.EASYPOST,
        label_carriers="UPS, USPS",
        return_name="Leinen & Liebe Retouren",
        return_line1="Lagerweg 3",
        return_postal_code="10245",
        return_city="Berlin",
        return_country="DE",
    )


@pytest.fixture
def order(shop, carrier):
    order = make_order(shop, language="en", lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    return order


def deliver(*, later: int = 0):
    """What the workers do: send every call that is due `later` seconds from now."""
    now = timezone.now() + timedelta(seconds=later)
    pending = OutboundCall.objects.exclude(status__in=[OutboundStatus.SUCCEEDED, OutboundStatus.FAILED])
    return [outbound_send(call_id=pk, now=now) for pk in pending.values_list("pk", flat=True)]


def label_mail(request) -> str:
    message = OutboundMessage.objects.filter(case=request.case, event="return_label").latest("id")
    return render_message(message).text


def buys(fake) -> list[dict]:
    return [r for r in fake.requests if r["path"].endswith("/buy")]


def test_approval_buys_one_label_of_the_preferred_carrier_stored_privately(client, policy, order, fake):
    request = make_return(order, method="drop_off")

    # Ordered with the approval, bought by a worker after commit: the buyer has no label yet.
    call = OutboundCall.objects.get(case=request.case)
    assert (call.kind, call.provider, call.status) == ("label.create", "easypost", OutboundStatus.QUEUED)
    assert request.status == ReturnStatus.APPROVED and fake.requests == []
    assert not OutboundMessage.objects.filter(case=request.case, event="return_label").exists()

    deliver()
    deliver(later=3600)  # a late duplicate task, the sweep: nothing more happens

    [shipment] = fake.shipments.values()
    assert shipment["is_return"] is True and shipment["reference"] == request.rma
    assert shipment["to_address"]["street1"] == "Lagerweg 3" and shipment["to_address"]["zip"] == "10245"
    assert (
        shipment["from_address"]["street1"] == "Lindenstraße 4"
        and shipment["from_address"]["city"] == "Berlin"
    )
    assert shipment["options"] == {"label_format": "PDF"}
    assert shipment["parcel"]["weight"] == 19.3  # one set of napkins, 545 g, in ounces rounded up
    [bought] = fake.bought
    assert (bought["rate"]["carrier"], bought["rate"]["service"]) == ("UPS", "Ground")  # UPS's cheapest

    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert (request.tracking_number, request.label_carrier) == (shipment["tracking_code"], "UPS")
    assert request.label_reference == shipment["id"] and request.label_qr_code_url == ""
    assert request.label_pdf.read() == PDF
    assert request.rma not in request.label_pdf.name
    # Private: not under /media, and the checked file route refuses a stranger.
    assert client.get(f"/media/{request.label_pdf.name}").status_code == 404
    stranger = client.get(request.label_pdf.url)
    assert stranger.status_code == 401 and PDF not in stranger.content

    text = label_mail(request)
    assert "Print the label and stick it clearly visible on the parcel" in text
    assert "The postage is paid. Hand the parcel in at a service point of UPS" in text
    assert request.tracking_number in text
    assert "QR code" not in text
    assert OutboundMessage.objects.get(case=request.case, event="return_label").attachments


def test_a_500_on_the_purchase_is_retried_on_the_same_shipment_and_buys_once(policy, order, fake):
    fake.then("ok", "500")
    request = make_return(order)

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING
    assert OutboundCall.objects.get(case=request.case).payload["shipment_id"] in fake.shipments
    deliver(later=3600)

    assert len(fake.shipments) == 1 and len(fake.bought) == 1
    assert [(r["method"], r["path"].split("/")[-1]) for r in fake.requests] == [
        ("POST", "shipments"),
        ("POST", "buy"),  # the 500
        ("GET", next(iter(fake.shipments))),  # the retry looks at the same shipment
        ("POST", "buy"),
    ]
    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert "outbound_retrying" in set(request.case.events.values_list("verb", flat=True))


def test_a_purchase_answered_too_late_is_not_bought_again(policy, order, fake, settings):
    settings.POSTSALE_OUTBOUND_TIMEOUT = 0.3
    fake.then("ok", ("late", 1.0))  # EasyPost sells the label, but answers after we stopped waiting
    request = make_return(order)

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING
    deliver(later=3600)

    assert len(fake.bought) == 1 and len(buys(fake)) == 1
    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert request.tracking_number == next(iter(fake.shipments.values()))["tracking_code"]


def test_a_carrier_with_label_free_drop_off_gives_the_buyer_its_qr_code(policy, order, fake):
    policy.label_carriers = "USPS"
    policy.save()
    request = make_return(order)
    deliver()

    request.refresh_from_db()
    assert request.label_carrier == "USPS"
    assert request.label_qr_code_url.endswith("-qr.png")
    text = label_mail(request)
    assert "No printer? Show the QR code at a service point of USPS instead" in text
    assert request.label_qr_code_url in text


def test_the_first_scan_of_the_carrier_label_moves_the_return(web, shop, policy, order, fake):
    request = make_return(order)
    deliver()
    request.refresh_from_db()
    payload = tracker_event(
        [detail("2026-05-02T09:00:00Z", "in_transit", "arrived_at_facility", "Arrived at UPS Facility")]
    )
    payload["result"]["tracking_code"] = request.tracking_number
    payload["result"]["carrier"] = "UPS"

    assert send_easypost(web, shop, payload).status_code == 200
    [event] = process_all()

    assert event.status == "processed", event.error
    request.refresh_from_db()
    assert request.status == ReturnStatus.IN_TRANSIT and request.first_scan_at is not None
    assert request.case.status == CaseStatus.WAITING_ON_CARRIER


def test_the_label_being_created_is_not_a_scan(web, shop, policy, order, fake):
    request = make_return(order)
    deliver()
    request.refresh_from_db()
    payload = tracker_event(
        [detail("2026-05-01T12:00:00Z", "pre_transit", "label_created", "Shipping Label Created")],
        description="tracker.created",
        status="pre_transit",
    )
    payload["result"]["tracking_code"] = request.tracking_number

    send_easypost(web, shop, payload)
    [event] = process_all()

    assert event.status == "processed", event.error
    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED and request.first_scan_at is None


def test_a_label_issued_again_is_sent_again_not_bought_again(policy, order, fake):
    request = make_return(order)
    deliver()

    return_label_issue(rma=request.rma)
    deliver()

    assert len(fake.bought) == 1 and OutboundCall.objects.filter(case=request.case).count() == 1
    assert OutboundMessage.objects.filter(case=request.case, event="return_label").count() == 2


def test_easypost_refusing_the_key_puts_the_case_before_an_agent_with_its_words(shop, policy, order, fake):
    integration_configure(shop=shop, source="easypost", secret=EP_SECRET, api_key="EZTK_revoked")
    request = make_return(order)

    [outcome] = deliver()

    assert outcome.status == OutboundStatus.FAILED and fake.shipments == {}
    call = OutboundCall.objects.get(case=request.case)
    assert call.last_status_code == 401 and "APIKEY.INACTIVE" in call.last_answer
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED and not request.label_pdf
    assert request.case.status == CaseStatus.IN_PROGRESS
    failed = request.case.events.get(verb="outbound_failed")
    assert "This api key is no longer active" in failed.data["reason"]


def test_no_rate_of_the_preferred_carrier_is_refused_and_nothing_is_bought(policy, order, fake):
    policy.label_carriers = "FedEx"
    policy.save()
    request = make_return(order)

    [outcome] = deliver()

    assert outcome.status == OutboundStatus.FAILED and fake.bought == []
    assert "no rate of FedEx" in OutboundCall.objects.get(case=request.case).last_answer


def test_the_own_pdf_policy_makes_our_label_at_once_and_says_it_has_no_postage(shop, policy, order, fake):
    policy.label_source = LabelSource.OWN
    policy.save()
    request = make_return(order)

    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED and request.label_provider == "postsale"
    assert request.label_pdf.read().startswith(b"%PDF")
    assert not OutboundCall.objects.exists() and fake.requests == []
    text = label_mail(request)
    assert f"your return number {request.rma}, but it carries no postage" in text
    assert "QR code" not in text and "service point of" not in text
