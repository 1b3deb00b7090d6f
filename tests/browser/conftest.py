"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright never downloads a browser here (no `playwright install`): the tests
use /usr/bin/chromium and are skipped, saying why, when it is not installed.
Screenshots, downloads and traces go to test-artifacts/ (git-ignored).

Every page a browser test opens runs under the site's Content-Security-Policy, and
a test fails when the browser refuses anything on it (`watch_csp`): a page that
needs an inline script or style to work is a page the policy broke.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need Debian's Chromium"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])"
    )
    # Playwright's sync API keeps an event loop running in the test's thread, and Django
    # refuses database calls next to a running loop; here the test owns the thread, so it is safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def watch_csp(context) -> list[str]:
    """What the browser refuses under the Content-Security-Policy in this context, as it says it in the console.

    Chromium writes every refusal to the console ("Refused to execute inline script because
    it violates the following Content Security Policy directive: …"), from every page and
    frame of the context; the list grows as the test goes.
    """
    refused: list[str] = []

    def console(message):
        if "Content Security Policy" in message.text:
            refused.append(f"{message.text} ({message.location.get('url', '')})")

    context.on("console", console)
    return refused


def _context(browser, locale):
    return browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        accept_downloads=True,
    )


@pytest.fixture
def phone(browser, request):
    """A page on a phone-sized screen (375 × 812) that speaks the test's `phone_locale` (default sv-SE).

    The test fails when the Content-Security-Policy refused anything on the way.
    """
    marker = request.node.get_closest_marker("phone_locale")
    context = _context(browser, marker.args[0] if marker else "sv-SE")
    context.set_default_timeout(15_000)
    refused = watch_csp(context)
    page = context.new_page()
    yield page
    context.close()
    assert refused == [], "the Content-Security-Policy refused something on the pages this test opened"


@pytest.fixture
def desktop(browser):
    """Opens pages on a desktop screen (1280 × 900), each in a browser of its own: `desktop()` gives a page.

    The test fails when the Content-Security-Policy refused anything on any of them.
    """
    contexts, refused = [], []

    def new_page(locale="en-GB"):
        context = browser.new_context(viewport=DESKTOP, locale=locale, accept_downloads=True)
        context.set_default_timeout(15_000)
        refused.append(watch_csp(context))
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()
    assert [line for lines in refused for line in lines] == [], (
        "the Content-Security-Policy refused something on the pages this test opened"
    )
