"""Dispute evidence to Stripe: one click uploads the bundle once and submits the evidence once.

Stripe is `FakeStripe` (files and disputes as Stripe documents them); the
worker's task is run here as the worker runs it (`outbound_send`).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import CaseStatus, OutboundCall, OutboundStatus
from claims.models import Claim
from integrations.services import integration_configure
from tests.factories import make_order

from .conftest import process_all
from .fake_stripe import API_KEY, FakeStripe
from .test_stripe import WHSEC, dispute_event, send_stripe
from .test_stripe_refunds import deliver

pytestmark = pytest.mark.django_db
DISPUTE = "dp_1PqXyZLkdIwHu7ixAbCdEf12"


@pytest.fixture
def fake():
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def case(web, shop, fake):
    integration_configure(shop=shop, source="stripe", secret=WHSEC, api_key=API_KEY, api_url=fake.url)
    make_order(
        shop,
        number="2001",
        total="65.70",
        carrier="dhl",
        tracking_number="00340434161094042557",
        payment={
            "method": "card",
            "status": "paid",
            "amount": Decimal("65.70"),
            "reference": "ch_3PqW2sLkdIwHu7ix1",
        },
    )
    due_by = int((timezone.now() + timedelta(days=10)).timestamp())
    event = dispute_event()
    event["data"]["object"]["evidence_details"]["due_by"] = due_by
    assert send_stripe(web, shop, event).status_code == 200
    process_all()
    fake.add_dispute(DISPUTE, due_by=due_by)
    return Claim.objects.get(dispute_reference=DISPUTE).case


def submit(client, case):
    return client.post(f"/desk/cases/{case.reference}/dispute-evidence/")


def test_one_click_uploads_the_bundle_once_and_submits_the_facts_once(client, agent, case, fake):
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "Submit evidence to Stripe" in page

    assert submit(client, case).status_code == 302
    assert fake.requests == []  # the worker sends it, not the web request
    submit(client, case)  # a double click queues nothing more
    deliver()
    deliver(later=3600)

    [upload] = fake.requests_to("/v1/files")
    [update] = fake.requests_to("/v1/disputes/")
    [made] = fake.files
    call = OutboundCall.objects.get(kind="dispute.evidence")
    assert made["content"].startswith(b"%PDF") and made["purpose"] == "dispute_evidence"
    assert upload["headers"]["content-type"].startswith("multipart/form-data")
    assert update["path"] == f"/v1/disputes/{DISPUTE}"
    assert update["headers"]["idempotency-key"] == call.idempotency_key
    assert upload["headers"]["idempotency-key"] not in ("", call.idempotency_key)
    sent = update["form"]
    assert sent["evidence[shipping_carrier]"] == case.order.shipments.get().carrier.name
    assert sent["evidence[shipping_tracking_number]"] == "00340434161094042557"
    assert sent["evidence[shipping_date]"]
    assert sent["evidence[customer_email_address]"] == "anna.berg@example.de"
    assert sent["evidence[shipping_address]"] and sent["evidence[product_description]"]
    assert sent["evidence[uncategorized_file]"] == made["id"]
    assert sent["evidence[customer_communication]"] == made["id"]
    assert sent["submit"] == "true"
    assert fake.disputes[DISPUTE]["status"] == "under_review"

    call.refresh_from_db()
    assert call.status == OutboundStatus.SUCCEEDED and call.payload["answer"]["status"] == "under_review"
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert made["id"] in page and "00340434161094042557" in page and "under_review" in page
    assert agent.get_username() in page or agent.get_full_name() in page
    assert "Submit evidence to Stripe" not in page
    assert case.events.filter(verb="dispute_evidence_requested", actor=agent).exists()
    assert case.events.filter(verb="dispute_evidence_submitted", new="under_review").exists()


def test_a_500_on_the_update_then_success_uploads_once_and_updates_once(client, agent, case, fake):
    fake.then("ok", "500")  # the upload goes through, the dispute update fails
    client.force_login(agent)
    submit(client, case)

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING
    deliver(later=3600)

    assert len(fake.files) == 1 and len(fake.requests_to("/v1/files")) == 1
    updates = fake.requests_to("/v1/disputes/")
    assert (
        len(updates) == 2
        and updates[0]["headers"]["idempotency-key"] == updates[1]["headers"]["idempotency-key"]
    )
    assert updates[1]["form"]["evidence[uncategorized_file]"] == fake.files[0]["id"]
    assert fake.disputes[DISPUTE]["evidence_details"]["submission_count"] == 1
    assert OutboundCall.objects.get().status == OutboundStatus.SUCCEEDED


def test_past_the_respond_by_date_the_button_is_refused_and_nothing_is_queued(client, agent, case, fake):
    Claim.objects.filter(case=case).update(respond_by=timezone.now() - timedelta(minutes=1))
    client.force_login(agent)
    assert "Submit evidence to Stripe" not in client.get(f"/desk/cases/{case.reference}/").content.decode()

    response = submit(client, case)

    assert response.status_code == 409
    assert "respond-by date has passed" in response.content.decode()
    assert not OutboundCall.objects.exists()
    deliver()
    assert fake.requests == []


def test_stripe_refusing_a_closed_dispute_puts_its_words_before_the_agent(client, agent, case, fake):
    fake.disputes[DISPUTE]["status"] = "lost"  # closed at Stripe before Postsale heard of it
    client.force_login(agent)
    submit(client, case)
    deliver()
    deliver(later=3600)

    call = OutboundCall.objects.get()
    case.refresh_from_db()
    assert (call.status, call.last_status_code) == (OutboundStatus.FAILED, 400)
    assert len(fake.requests_to("/v1/disputes/")) == 1
    assert case.status == CaseStatus.IN_PROGRESS
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "already closed" in page


def test_another_shops_agent_gets_404_and_nothing_is_queued(client, swedish_agent, case, fake):
    client.force_login(swedish_agent)

    assert submit(client, case).status_code == 404
    assert not OutboundCall.objects.exists()


def test_a_case_that_is_no_stripe_dispute_is_refused(client, agent, shop, fake):
    from tests.factories import make_claim

    other = make_claim(make_order(shop, number="3001")).case
    client.force_login(agent)

    response = submit(client, other)

    assert response.status_code == 409 and "not a Stripe dispute" in response.content.decode()
    assert not OutboundCall.objects.exists()


def test_an_upload_answered_too_late_is_sent_again_and_stripe_keeps_one_file(
    client, agent, case, fake, settings
):
    settings.POSTSALE_OUTBOUND_TIMEOUT = 0.3
    fake.then(("late", 1.0))  # Stripe stores the file but answers after we stopped waiting
    client.force_login(agent)
    submit(client, case)

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING and fake.requests_to("/v1/disputes/") == []
    deliver(later=3600)

    uploads = fake.requests_to("/v1/files")
    assert len(uploads) == 2 and len(fake.files) == 1
    assert uploads[0]["headers"]["idempotency-key"] == uploads[1]["headers"]["idempotency-key"]
    [update] = fake.requests_to("/v1/disputes/")
    assert update["form"]["evidence[uncategorized_file]"] == fake.files[0]["id"]
