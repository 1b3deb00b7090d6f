"""The carrier claim in the desk and the API: its deadline, its cap, and the letter with the evidence."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.formats import date_format
from PIL import Image
from pypdf import PdfReader

from cases.choices import ClaimType
from cases.models import OpenedVia
from claims import services
from orders.models import ShipmentPhoto
from tests.factories import NAPKINS, make_claim, make_order, track

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def carrier_claim(shop, carrier, agent):
    """A parcel of 4 napkin sets that weighed 1,100 g where the complete order weighs 2,430 g: one set missing."""
    order = make_order(
        shop, lines=[dict(NAPKINS, quantity=4)], packed_weight_g=1100, tracking_number="00340434999000111"
    )
    track(order, "in_transit", days_ago=3, location="Bielefeld")
    track(order, "delivered", days_ago=1, location="Berlin")
    shipment = order.shipments.get()
    ShipmentPhoto(shipment=shipment, caption="Karton gepackt").image.save(
        "box.png", ContentFile(_png()), save=True
    )
    claim = make_claim(
        order,
        ClaimType.MISSING_ITEMS,
        opened_via=OpenedVia.API,
        lines=[services.LineIn(order_line=order.lines.get(), quantity=1)],
    )
    return services.carrier_claim_open(claim=claim, actor=agent)


def _text(response) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)


def test_the_letter_carries_the_parcel_the_deadline_the_amount_and_the_weight_verdict(
    client, agent, carrier_claim
):
    client.force_login(agent)
    case = carrier_claim.claim.case

    response = client.get(f"/desk/cases/{case.reference}/carrier-claim/{carrier_claim.pk}/letter.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response)
    assert "00340434999000111" in text
    with translation.override("de"):
        assert date_format(carrier_claim.deadline, "DATE_FORMAT") in text
    assert "24,90 EUR" in text  # one set of napkins, in German as DHL reads it
    assert "Bielefeld" in text  # the tracking story
    assert "DHL Paket GmbH" in text  # to the carrier's address
    assert "Das Paket wog weniger: Die Reklamation passt zum Gewicht." in " ".join(text.split())


def test_another_shops_agent_gets_404_for_the_letter(client, swedish_agent, carrier_claim):
    client.force_login(swedish_agent)
    case = carrier_claim.claim.case

    response = client.get(f"/desk/cases/{case.reference}/carrier-claim/{carrier_claim.pk}/letter.pdf")

    assert response.status_code == 404


def test_the_api_refuses_a_claimed_amount_above_the_cap_naming_the_field(agent_api, carrier_claim):
    response = agent_api.post(
        f"/api/v1/carrier-claims/{carrier_claim.pk}/",
        {"status": "draft", "claimed_amount": "500.01"},
        format="json",
    )

    assert response.status_code == 400
    assert "500.00" in response.json()["claimed_amount"][0]
    carrier_claim.refresh_from_db()
    assert carrier_claim.claimed_amount == Decimal("24.90")


def test_the_api_shows_the_deadline_and_days_left(agent_api, carrier_claim):
    response = agent_api.get(f"/api/v1/cases/{carrier_claim.claim.case.reference}/")

    [shown] = response.json()["claim"]["carrier_claims"]
    assert shown["deadline"] == carrier_claim.deadline.isoformat()
    assert shown["deadline_from"] == "delivered"
    assert shown["days_left"] == 6  # seven days from yesterday's delivery (§ 438 HGB)
    assert shown["liability_cap"] == 500


def test_the_case_page_shows_days_left(client, agent, carrier_claim):
    client.force_login(agent)

    page = client.get(f"/desk/cases/{carrier_claim.claim.case.reference}/").content.decode()

    assert "letter.pdf" in page
    assert "6 Tage" in page or "6 days left" in page
