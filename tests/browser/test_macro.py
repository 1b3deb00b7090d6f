"""An agent applies a macro in Chromium: the reply box says what it will do, and sending does all of it."""

import pytest

from cases.models import CaseStatus, CaseTag
from config.roles import AGENTS
from messaging.models import BuyerEvent, CannedReply, OutboundMessage
from tests.factories import make_claim, make_order, track

from .test_desk_flow import log_in, user

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_applies_the_photos_macro_and_everything_it_says_happens(desktop, live_server, shop, carrier):
    user("anna", AGENTS, shop)
    order = make_order(shop)
    track(order, "delivered", days_ago=1)
    case = make_claim(order, "damaged").case
    macro = CannedReply.objects.create(
        shop=shop,
        language="de",
        title="Fotos anfordern",
        body="Guten Tag, bitte schicken Sie uns Fotos von Ware und Karton.",
        set_status=CaseStatus.WAITING_ON_BUYER,
        add_tags="transportschaden",
        playbook_step="photos",
    )

    page = log_in(desktop, live_server, "anna")
    page.goto(f"{live_server.url}/desk/cases/{case.reference}/")
    page.select_option("#reply select[name=canned]", str(macro.pk))
    page.wait_for_selector("#macro-actions")
    said = page.inner_text("#macro-actions")
    assert "sets the status to Waiting on buyer" in said and "asks the buyer for photos" in said
    assert "bitte schicken Sie uns Fotos" in page.input_value("#reply-body")
    with page.expect_navigation():
        page.click("#reply button:has-text('Send reply')")

    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_ON_BUYER
    assert CaseTag.objects.filter(case=case, tag__name="transportschaden").exists()
    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.AGENT_REPLY).count() == 1
    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.PHOTOS_REQUESTED).count() == 1
    assert "transportschaden" in page.inner_text("#tags")
