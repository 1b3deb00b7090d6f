"""An agent's day in the browser, and an owner's threshold change, on Debian's Chromium."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User

from cases.choices import ClaimType
from cases.models import CaseStatus, OpenedVia
from config.roles import AGENTS, OWNERS
from decisions.services import active_matrix
from messaging.models import BuyerEvent, OutboundMessage
from orders.models import Role
from orders.services import membership_grant
from tests.factories import NAPKINS, log_in_in_browser, make_claim, make_order, track

pytestmark = pytest.mark.django_db(transaction=True)


def user(name, group, shop, *, staff=False):
    """A user of `group` who works for `shop`, as an owner (Owners) or an agent."""
    account = User.objects.create_user(
        name, password=f"{name}-pw", email=f"{name}@leinen.example", is_staff=staff
    )
    account.groups.add(Group.objects.get(name=group))
    membership_grant(user=account, shop=shop, role=Role.OWNER if group == OWNERS else Role.AGENT)
    return account


def log_in(desktop, live_server, name):
    page = desktop()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in_in_browser(
        page, f"{live_server.url}/accounts/login/?next=/desk/", User.objects.get(username=name), f"{name}-pw"
    )
    page.wait_for_url("**/desk/")
    return page


def dnr_case(shop, *, total_items: int):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=total_items)])
    track(order, "delivered", days_ago=2, location="Haustür")
    return make_claim(
        order,
        ClaimType.DELIVERED_NOT_RECEIVED,
        opened_via=OpenedVia.PORTAL,
        decide=True,
        statement="Das Paket ist nicht angekommen.",
    ).case


def test_agent_triages_a_not_received_parcel_from_queue_to_reship(
    desktop, live_server, artifacts_dir, shop, carrier
):
    user("anna", AGENTS, shop)
    case = dnr_case(shop, total_items=4)  # 105.50 EUR, delivery scanned: ask around first
    damaged = make_claim(make_order(shop), opened_via=OpenedVia.PORTAL, decide=True).case
    page = log_in(desktop, live_server, "anna")

    page.select_option("select[name=type]", "delivered_not_received")
    page.wait_for_selector(f"text={damaged.reference}", state="detached")
    page.screenshot(path=str(artifacts_dir / "desk-queue-filtered.png"), full_page=True)
    page.click(f"text={case.reference}")
    page.wait_for_selector("#decision")
    assert (
        "Ask the buyer" in page.inner_text("#decision") or "request" in page.inner_text("#decision").lower()
    )

    page.select_option("#act select[name=action]", "request_info")
    page.click("#act button[type=submit]")
    page.wait_for_selector("text=Waiting on buyer")
    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS).count() == 1

    page.select_option("#act select[name=action]", "reship")
    page.fill("#act textarea[name=reason]", "Nachbarn und Post haben nichts, wir schicken neu.")
    page.click("#act button[type=submit]")
    page.wait_for_selector(".case-head .status-resolved")
    page.screenshot(path=str(artifacts_dir / "desk-case-resolved.png"), full_page=True)

    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.resolutions.get().action == "reship"
    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.REPLACEMENT_SHIPPED).exists()


def test_owner_raises_a_threshold_in_the_admin_and_the_recommendation_follows(
    desktop, live_server, artifacts_dir, shop, carrier
):
    user("olga", OWNERS, shop, staff=True)
    case = dnr_case(shop, total_items=4)  # 105.50 EUR: above the 50 EUR "reship on trust" band
    assert case.decisions.get().action == "request_info"
    matrix = active_matrix(shop)
    rules = list(matrix.rules.order_by("position", "id"))
    index, rule = next(
        (i, r)
        for i, r in enumerate(rules)
        if r.claim_type == "delivered_not_received" and r.max_value == Decimal("50.00")
    )

    page = log_in(desktop, live_server, "olga")
    page.goto(f"{live_server.url}/admin/decisions/decisionmatrix/{matrix.pk}/change/")
    page.fill(f"input[name='rules-{index}-max_value']", "150")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    rule.refresh_from_db()
    assert rule.max_value == Decimal("150.00")

    page.goto(f"{live_server.url}/desk/cases/{case.reference}/")
    page.click("#decision button:has-text('Check again')")
    page.wait_for_load_state()
    page.screenshot(path=str(artifacts_dir / "desk-recommendation-after-threshold.png"), full_page=True)

    assert case.decisions.order_by("-created_at", "-id").first().action == "reship"
    # The shop wrote its rules in German; the desk reads them in the agent's language (en-GB here).
    assert "trust the buyer and ship again" in page.inner_text("#decision")
