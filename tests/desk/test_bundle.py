"""The evidence bundle of a dispute: one PDF with the order, the parcel and the dispute."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from cases.choices import ClaimType
from cases.models import OpenedVia
from claims import services
from tests.factories import make_claim, make_order, track

pytestmark = pytest.mark.django_db


def test_dispute_case_downloads_one_evidence_pdf(client, agent, shop, carrier):
    order = make_order(shop)
    track(order, "delivered", days_ago=2, signed_by="K. Nachbar", location="Berlin")
    claim = make_claim(
        order,
        ClaimType.CHARGEBACK,
        opened_via=OpenedVia.API,
        decide=True,
        dispute=services.DisputeIn(
            provider="stripe",
            reference="dp_123",
            reason="product_not_received",
            amount=Decimal("30.80"),
            respond_by=timezone.now() + timedelta(days=7),
        ),
    )
    client.force_login(agent)
    response = client.get(f"/desk/cases/{claim.case.reference}/evidence.pdf")
    assert response["Content-Type"] == "application/pdf"

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert order.number in text and "K. Nachbar" in text and "dp_123" in text
