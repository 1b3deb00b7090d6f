"""An agent's day in the browser: a phone call becomes a case, a word of a buyer's e-mail finds its case,
the queue sorts, fits about 20 cases on a laptop screen and stays inside a phone's width."""

import pytest
from django.contrib.auth.models import Group, User

from cases.choices import ClaimType
from cases.models import Case, CaseKind
from config.roles import AGENTS
from messaging.mailparse import InboundIn
from messaging.services.inbound import inbound_receive
from orders.models import Role
from orders.services import membership_grant
from tests.factories import NAPKINS, TABLECLOTH, log_in_in_browser, make_claim, make_order, track

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def anna(shop):
    account = User.objects.create_user("anna", password="anna-pw", email="anna@leinen.example")
    account.groups.add(Group.objects.get(name=AGENTS))
    membership_grant(user=account, shop=shop, role=Role.AGENT)
    return account


def logged_in(desktop, live_server, anna, viewport=WIDE):
    page = desktop()
    page.set_viewport_size(viewport)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in_in_browser(page, f"{live_server.url}/accounts/login/?next=/desk/", anna, "anna-pw")
    page.wait_for_url("**/desk/")
    return page


def queue_references(page) -> list[str]:
    return page.eval_on_selector_all(
        "table[data-queue] tbody tr[data-href] td.ref a", "links => links.map(a => a.textContent.trim())"
    )


def test_an_agent_opens_a_case_from_a_phone_call(desktop, live_server, artifacts_dir, shop, carrier, anna):
    order = make_order(shop, number="LL-555123", lines=[dict(NAPKINS, quantity=4)], packed_weight_g=2430)
    track(order, "delivered", days_ago=1)
    page = logged_in(desktop, live_server, anna)

    page.click("a.button:has-text('New case')")
    page.fill("input[name=q]", "555123")
    page.press("input[name=q]", "Enter")
    page.click("tr[data-order='LL-555123'] a:has-text('New case')")
    page.select_option("select[name=type]", ClaimType.MISSING_ITEMS)
    page.fill(f"input[name=qty-{order.lines.get().pk}]", "1")
    page.fill("textarea[name=statement]", "Am Telefon: ein Dutzend Servietten fehlt.")
    page.click("button:has-text('Open the case')")
    page.wait_for_selector("#decision")
    page.screenshot(path=str(artifacts_dir / "desk-case-from-phone-call.png"), full_page=True)

    case = Case.objects.get(order=order)
    assert case.kind == CaseKind.CLAIM and case.opened_via == "agent"
    assert page.url.endswith(f"/desk/cases/{case.reference}/")
    assert "Evidence" in page.inner_text("#evidence")


def test_an_agent_finds_a_case_by_a_word_of_the_buyers_message(
    desktop, live_server, artifacts_dir, shop, carrier, anna
):
    others = [make_claim(make_order(shop, lines=[dict(TABLECLOTH, quantity=1)])).case for _ in range(3)]
    wedding = inbound_receive(
        mail=InboundIn(
            from_email="karla.kroeger@example.de",
            from_name="Karla Kröger",
            to=["hilfe@leinen.example"],
            subject="Bestellung",
            text="Die Servietten für unsere Hochzeit am Samstag sind noch nicht da.",
            message_id="<wedding@example.de>",
        )
    ).case
    page = logged_in(desktop, live_server, anna)
    assert len(queue_references(page)) == 4

    page.fill(".filters input[name=q]", "Hochzeit")
    page.press(".filters input[name=q]", "Enter")
    page.wait_for_selector(f"tr[data-href='/desk/cases/{others[0].reference}/']", state="detached")
    assert queue_references(page) == [wedding.reference]
    page.screenshot(path=str(artifacts_dir / "desk-search-a-word.png"), full_page=True)

    page.fill(".filters input[name=q]", "Tischläufer")
    page.press(".filters input[name=q]", "Enter")
    page.wait_for_selector("[data-testid=queue-empty]")
    assert "No case matches “Tischläufer”." in page.inner_text("[data-testid=queue-empty]")


def test_an_agent_sorts_the_queue_by_value(desktop, live_server, shop, carrier, anna):
    cases = {
        total: make_claim(make_order(shop, total=total)).case.reference
        for total in ("20.00", "900.00", "80.00")
    }
    page = logged_in(desktop, live_server, anna)

    page.click("th a[data-sort=value]")
    page.wait_for_url("**sort=value")
    assert queue_references(page) == [cases["900.00"], cases["80.00"], cases["20.00"]]

    page.click("th a[data-sort=value]")
    page.wait_for_url("**sort=-value")
    assert queue_references(page) == [cases["20.00"], cases["80.00"], cases["900.00"]]


def test_the_queue_shows_about_20_cases_on_a_laptop_and_fits_a_phone(
    desktop, live_server, artifacts_dir, shop, carrier, anna
):
    for index in range(25):
        order = make_order(shop, lines=[dict(NAPKINS, quantity=1 + index % 3)])
        make_claim(
            order,
            opened_via="portal",
            statement="Das Paket kam beschädigt an, die Servietten sind nass geworden.",
        )
    page = logged_in(desktop, live_server, anna)

    visible = page.eval_on_selector_all(
        "table[data-queue] tbody tr[data-href]",
        "rows => rows.filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length",
    )
    page.screenshot(path=str(artifacts_dir / "desk-queue-1440.png"))
    assert visible >= 18, f"{visible} cases fit on a 1440×900 screen"

    page.set_viewport_size(PHONE)
    page.reload()
    page.screenshot(path=str(artifacts_dir / "desk-queue-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the queue is {overflow} px wider than a 390 px phone"
    # Each case still shows its reference and first words on the phone.
    assert page.is_visible("table[data-queue] tbody tr[data-href] td.ref a")
    assert page.is_visible("table[data-queue] tbody tr[data-href] .preview")
