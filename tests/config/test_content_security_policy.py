"""Every page carries the Content-Security-Policy, and our templates need no inline code under it.

The browser tests (tests/browser/) show that the pages work under it in Chromium; these look at
what the server answers, page by page, and at the templates themselves.
"""

import re
from pathlib import Path

import pytest
from django.test import Client

from messaging.models import BuyerEvent, EmailTemplateOverride
from messaging.rendering import feedback_links
from orders import links
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_strict(response, *, inline_styles=False):
    directives = policy(response)
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other origin
    assert directives["style-src"] == (["'self'", "'unsafe-inline'"] if inline_styles else ["'self'"])
    assert directives["connect-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


@pytest.fixture
def case(shop, carrier):
    return make_claim(make_order(shop), opened_via="portal", decide=True).case


def test_public_pages_carry_the_policy(client, shop, case):
    for path in (
        "/",
        "/accounts/login/",
        "/portal/",
        f"/portal/{shop.slug}/",
        f"/returns/{shop.slug}/policy/",
        feedback_links(case)[0]["url"].removeprefix("http://127.0.0.1:8000"),
        "/api/docs/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_the_api_docs_start_script_is_a_file_and_its_icons_are_the_only_addition(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert "<script>" not in page.content.decode()
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert policy(page)["img-src"] == ["'self'", "data:"]


def test_the_buyers_order_page_carries_the_policy(client, case):
    order = case.order
    client.get(f"/portal/{order.shop.slug}/o/{links.order_token(order)}/")

    for path in ("", "problem/", "return/"):
        response = client.get(f"/portal/{order.shop.slug}/order/{order.number}/{path}")
        assert response.status_code == 200, path
        assert_strict(response)


def test_the_desk_carries_the_policy(client, agent, case):
    client.force_login(agent)

    for path in ("/desk/", "/desk/dashboard/", "/desk/me/", f"/desk/cases/{case.reference}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_the_admin_carries_the_policy(superuser, case, shop):
    client = Client()
    client.force_login(superuser)
    override = EmailTemplateOverride.objects.create(
        shop=shop, event=BuyerEvent.CLAIM_RECEIVED, language="de", subject="Danke", body="Hallo!"
    )

    for path in ("/admin/", "/admin/orders/order/", "/admin/decisions/decisionmatrix/", "/admin/login/"):
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert_strict(response)
    # The e-mail preview is a sandboxed frame of the e-mail's HTML, with its own styles.
    preview = client.get(f"/admin/messaging/emailtemplateoverride/{override.pk}/change/")
    assert_strict(preview, inline_styles=True)


def test_the_browsable_api_allows_style_attributes_and_nothing_else_inline(agent_api, case):
    response = agent_api.get("/api/v1/cases/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert_strict(response)
    assert policy(response)["style-src-attr"] == ["'unsafe-inline'"]
    assert "<style>" not in response.content.decode()


def test_the_development_mailbox_carries_the_policy(settings):
    settings.DEBUG = True

    assert_strict(Client().get("/dev/mailbox/"))


# --- the templates -------------------------------------------------------------------------

INLINE_CODE = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "a javascript: link": re.compile(r"javascript:", re.I),
}


def test_no_page_template_holds_code_the_policy_would_refuse():
    # E-mails are not pages: mail clients drop <style>, so theirs are inline on purpose.
    templates = [
        path
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if "emails" not in path.relative_to(ROOT / "templates").parts
    ]
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in templates
        for what, pattern in INLINE_CODE.items()
        if pattern.search(path.read_text())
    ]

    assert templates and found == []
