"""Issue 15 in the browser: the act form's message to the buyer, its preview and its confirm dialog."""

import re

import pytest

from cases.choices import ClaimType
from cases.models import CaseStatus
from claims import services
from config.roles import AGENTS
from messaging.models import AgentSignature, BuyerEvent, OutboundMessage
from tests.factories import NAPKINS, make_claim, make_order, track

from .test_desk_flow import user

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Zustellung mit Unterschrift Holm bestätigt; Käuferin ist markiert."


def test_agent_declines_with_a_swedish_message_previews_it_and_is_told_who_hears_of_it(
    desktop, live_server, artifacts_dir, shop, carrier
):
    from django.contrib.auth.models import User

    from tests.factories import log_in_in_browser

    expect = pytest.importorskip("playwright.sync_api").expect

    anna = user("anna", AGENTS, shop)
    AgentSignature.objects.create(user=anna, shop=shop, language="sv", display_name="Anna", signature="")
    order = make_order(shop, email="karin.lind@example.se", language="sv", lines=[dict(NAPKINS, quantity=4)])
    track(order, "delivered", days_ago=1, signed_by="Holm")
    case = make_claim(
        order, ClaimType.MISSING_ITEMS, lines=[services.LineIn(order_line=order.lines.get(), quantity=1)]
    ).case
    page = desktop()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    log_in_in_browser(
        page, f"{live_server.url}/accounts/login/?next=/desk/", User.objects.get(username="anna"), "anna-pw"
    )
    page.wait_for_url("**/desk/")
    page.goto(f"{live_server.url}/desk/cases/{case.reference}/")

    page.select_option("#act select[name=action]", "deny")
    expect(page.locator("#act-buyer-message")).to_have_value(re.compile("^Tack för ditt tålamod"))
    assert "Your internal reason stays in the timeline." in page.inner_text("#act-tells")
    page.fill("#act textarea[name=reason]", NOTE)
    page.click("#act button:has-text('Preview')")
    page.wait_for_selector("#act-preview pre")
    preview = page.inner_text("#act-preview")
    page.screenshot(path=str(artifacts_dir / "desk-act-preview.png"), full_page=True)

    assert "Tack för ditt tålamod" in preview and "Anna" in preview
    assert "Käuferin" not in preview and "Holm" not in preview
    page.click("#act button[type=submit]")
    page.wait_for_selector(".case-head .status-resolved")

    assert dialogs and "The buyer gets the decline e-mail with your message." in dialogs[-1]
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    declined = OutboundMessage.objects.get(case=case, event=BuyerEvent.CLAIM_DECLINED)
    assert declined.context["buyer_message"].startswith("Tack för ditt tålamod")
    assert "reason" not in declined.context
