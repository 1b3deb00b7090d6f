"""A buyer of the Swedish demo shop returns bedding on a phone, downloads the label, and we keep a screenshot."""

import pytest

from demo import orders as demo
from returns.models import ReturnRequest, ReturnStatus
from tests.factories import DUVET, RUNNER, make_order, track

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def swedish_order(db):
    shops = demo.setup_shops(demo.setup_carriers())
    order = make_order(
        shops[demo.SE_SHOP],
        email="lena.holm@telia.example",
        language="sv",
        carrier="postnord",
        ship_country="SE",
        lines=[dict(DUVET, quantity=1), dict(RUNNER, quantity=2)],
        shipping_total="59.00",
    )
    track(order, "in_transit", days_ago=3, location="Bollnäs")
    track(order, "delivered", days_ago=2, location="Uppsala")
    return order


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_swedish_buyer_returns_on_a_phone_and_downloads_the_label(
    live_server, phone, swedish_order, artifacts_dir
):
    runner = swedish_order.lines.get(sku=RUNNER["sku"])
    page = phone

    page.goto(f"{live_server.url}/portal/{demo.SE_SHOP}/")
    assert page.locator("html").get_attribute("lang") == "sv"
    page.fill("#id_number", swedish_order.number)
    page.fill("#id_email", "lena.holm@telia.example")
    page.click("button[type=submit]")

    page.wait_for_url(f"**/order/{swedish_order.number}/")
    assert page.get_by_text("Uppsala").first.is_visible()
    assert fits_the_screen(page)
    page.click(f"a[href$='/order/{swedish_order.number}/return/']")

    page.select_option(f"select[name=qty_{runner.pk}]", "2")
    page.select_option(f"select[name=reason_{runner.pk}]", "not_as_described")
    page.check("input[name=condition][value=as_new]")
    page.check("input[name=method][value=drop_off]")
    assert fits_the_screen(page)
    page.click("button[type=submit]")

    page.wait_for_selector("[data-testid=rma]")
    rma = page.text_content("[data-testid=rma]").strip()
    return_request = ReturnRequest.objects.get(order=swedish_order)
    assert rma == return_request.rma
    assert return_request.status == ReturnStatus.LABEL_ISSUED
    # Our own label has no postage and no code a counter takes: the page says so, and shows no QR code.
    page.wait_for_selector("[data-testid=label-how]")
    assert page.query_selector("img.p-qr") is None
    assert fits_the_screen(page)
    page.screenshot(path=str(artifacts_dir / "portal-return-sv-375.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("[data-testid=label-link]")
    download = download_info.value
    label = artifacts_dir / download.suggested_filename
    download.save_as(label)
    assert download.suggested_filename == f"{rma}.pdf"
    assert label.read_bytes().startswith(b"%PDF")
