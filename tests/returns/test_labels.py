"""The return label: the RMA in text, as a Code128 barcode and as a QR code; addressed to the shop."""

from io import BytesIO

import pypdfium2
import pytest
import zxingcpp
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image
from pypdf import PdfReader

from returns import services
from returns.labels import qr_png
from tests.factories import NAPKINS, make_order, make_return, track

pytestmark = pytest.mark.django_db


def label_bytes(request) -> bytes:
    request.refresh_from_db()
    with request.label_pdf.open("rb") as handle:
        return handle.read()


def decoded(pdf: bytes) -> dict[str, str]:
    """What a scanner reads off the printed page: format name → text."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=300 / 72).to_pil()
    return {result.format.name: result.text for result in zxingcpp.read_barcodes(image)}


def test_the_label_text_holds_the_rma_and_both_addresses(shop, delivered_order):
    request = make_return(delivered_order)

    text = PdfReader(BytesIO(label_bytes(request))).pages[0].extract_text()

    assert request.rma in text
    assert "Lindenstraße 4" in text  # the buyer's address, from the order
    assert shop.name in text  # the return address falls back to the shop
    assert NAPKINS["sku"] in text


def test_the_labels_barcode_and_qr_code_decode_to_the_rma(delivered_order):
    request = make_return(delivered_order)

    codes = decoded(label_bytes(request))

    assert codes.get("Code128") == request.rma
    assert codes.get("QRCode") == request.rma


def test_the_label_speaks_the_buyers_language(shop, carrier):
    order = make_order(shop, email="sven@example.se", language="sv")
    track(order, "delivered", days_ago=1)
    request = make_return(order)

    text = PdfReader(BytesIO(label_bytes(request))).pages[0].extract_text()

    with translation.override("sv"):
        title = gettext("Return label")
    assert title != "Return label"
    assert title in text


def label_text(request) -> str:
    request.refresh_from_db()
    with request.label_pdf.open("rb") as handle:
        return PdfReader(BytesIO(handle.read())).pages[0].extract_text()


def test_the_label_is_addressed_to_the_shops_return_address(shop, delivered_order):
    policy = services.policy_for(shop)
    policy.return_line1 = "Heeper Straße 212"
    policy.return_postal_code = "33607"
    policy.return_city = "Bielefeld"
    policy.save()

    text = label_text(make_return(delivered_order))

    assert "Heeper Straße 212" in text
    assert "33607 Bielefeld" in text


def test_without_a_return_address_the_label_shows_the_shops_support_contact(shop, delivered_order):
    shop.support_phone = "+49 30 23125 640"
    shop.save()

    text = label_text(make_return(delivered_order))

    assert shop.name in text
    assert "hilfe@leinen.example" in text
    assert "+49 30 23125 640" in text


def test_the_portals_qr_png_decodes():
    image = Image.open(BytesIO(qr_png("R-2026-000123")))

    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["R-2026-000123"]
