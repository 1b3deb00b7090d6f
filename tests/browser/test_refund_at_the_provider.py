"""An agent refunds from the desk and the money moves at the payment provider, tried in Chromium.

Stripe is the local `FakeStripe`. What the worker does after the click is done here as the
worker does it (`outbound_send`), so the test can look at the page between the click and
the provider's answer.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import (
    CaseStatus,
    OpenedVia,
    OutboundCall,
    OutboundStatus,
    Refund,
    RefundLimit,
    RefundStatus,
)
from cases.outbound import outbound_send
from config.roles import AGENTS
from integrations.services import integration_configure
from tests.factories import make_claim, make_order
from tests.integrations.fake_stripe import API_KEY, FakeStripe
from tests.integrations.test_stripe import WHSEC

from .test_desk_flow import log_in, user

pytestmark = pytest.mark.django_db(transaction=True)
PI = "pi_3QbBrowserLkdIwHu7ix0Rf1"


@pytest.fixture
def fake():
    server = FakeStripe().start()
    yield server
    server.stop()


def deliver(*, later: int = 0):
    now = timezone.now() + timedelta(seconds=later)
    pending = OutboundCall.objects.exclude(status__in=[OutboundStatus.SUCCEEDED, OutboundStatus.FAILED])
    return [outbound_send(call_id=pk, now=now) for pk in pending.values_list("pk", flat=True)]


def refund_case(shop, fake):
    # Agents may give back up to 50 EUR without an owner.
    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("50"))
    integration_configure(shop=shop, source="stripe", secret=WHSEC, api_key=API_KEY, api_url=fake.url)
    order = make_order(
        shop,
        number="7001",
        payment={"method": "card", "status": "paid", "reference": PI, "amount": Decimal("30.80")},
    )
    return make_claim(order, ClaimType.DAMAGED, opened_via=OpenedVia.PORTAL).case


def refund_in_the_desk(page, live_server, case, amount):
    page.goto(f"{live_server.url}/desk/cases/{case.reference}/")
    page.select_option("#act select[name=action]", "refund")
    page.fill("#act input[name=amount]", amount)
    page.fill("#act textarea[name=reason]", "Tischdecke mit Riss, Foto liegt vor.")
    with page.expect_navigation():
        page.click("#act button[type=submit]")
    page.wait_for_selector("#money .outbound")


def test_an_agents_refund_click_makes_one_refund_at_stripe_and_the_case_shows_its_answer(
    desktop, live_server, shop, carrier, fake
):
    user("jonas", AGENTS, shop)
    case = refund_case(shop, fake)
    page = log_in(desktop, live_server, "jonas")

    refund_in_the_desk(page, live_server, case, "30.80")
    # Saved and queued: the web request itself never called Stripe.
    assert fake.requests == []
    assert "Queued" in page.inner_text("#money .outbound")

    deliver()
    deliver(later=3600)  # a late copy of the task: nothing more
    page.reload()

    [made] = fake.refunds
    assert (made["payment_intent"], made["amount"]) == (PI, 3080)
    money = page.inner_text("#money")
    assert made["id"] in money and "HTTP 200" in money
    refund = Refund.objects.get(case=case)
    assert refund.status == RefundStatus.COMPLETED


def test_a_refund_stripe_refuses_comes_back_with_its_words_and_try_again_sends_it_once(
    desktop, live_server, shop, carrier, fake
):
    user("jonas", AGENTS, shop)
    case = refund_case(shop, fake)
    page = log_in(desktop, live_server, "jonas")
    fake.then(("402", "charge_disputed", "This charge has been disputed and cannot be refunded."))

    refund_in_the_desk(page, live_server, case, "30.80")
    deliver()
    page.reload()

    money = page.inner_text("#money")
    assert "This charge has been disputed" in money and "HTTP 402" in money
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS  # back in front of an agent

    with page.expect_navigation():
        page.click("#money button:has-text('Try again')")
    deliver()
    page.reload()

    [made] = fake.refunds
    assert made["amount"] == 3080
    assert OutboundCall.objects.get(case=case).status == OutboundStatus.SUCCEEDED
    assert made["id"] in page.inner_text("#money")
