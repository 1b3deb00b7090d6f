"""The evidence bundle of a dispute: one PDF with the order, the parcel and the dispute."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from cases.choices import ClaimType
from cases.models import OpenedVia
from claims import services
from messaging.models import Audience, InboundMessage, OutboundMessage
from messaging.services.sending import outbox_send
from orders.models import ShipmentPhoto
from tests.factories import NAPKINS, make_claim, make_order, track

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


# --- issue 15, problem 5: the bundle is the shop's case for the provider ----------------------


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


def _label_pdf(text: str) -> bytes:
    out = BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 700, text)
    page.save()
    return out.getvalue()


@pytest.fixture
def disputed_order(shop, carrier, owner, settings):
    """A buyer claimed one dozen napkins missing, wrote about it, then opened a chargeback on the order."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner.email = "marlene@leinen.example"
    owner.save(update_fields=["email"])
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], packed_weight_g=2430)
    track(order, "delivered", days_ago=2, signed_by="K. Nachbar")
    shipment = order.shipments.get()
    shipment.label_document.save("label.pdf", ContentFile(_label_pdf("DHL LABEL 00340434 COPY")), save=True)
    ShipmentPhoto(shipment=shipment, caption="Karton gepackt").image.save(
        "box.png", ContentFile(_png()), save=True
    )
    missing = make_claim(
        order,
        ClaimType.MISSING_ITEMS,
        opened_via=OpenedVia.PORTAL,
        lines=[services.LineIn(order_line=order.lines.get(), quantity=1)],
        photos=[SimpleUploadedFile("riss.png", _png(), content_type="image/png")],
    )
    InboundMessage.objects.create(
        case=missing.case,
        from_email=order.buyer.email,
        body="Im Karton waren nur drei Dutzend Servietten.",
        subject="Fehlende Servietten",
    )
    dispute = make_claim(
        order,
        ClaimType.CHARGEBACK,
        opened_via=OpenedVia.API,
        dispute=services.DisputeIn(
            provider="stripe",
            reference="dp_777",
            reason="product_not_received",
            amount=Decimal("105.50"),
            respond_by=timezone.now() + timedelta(days=7),
        ),
    )
    # Everything queued (the buyer's acknowledgements, the owner's dispute notice) leaves the outbox.
    for message in OutboundMessage.objects.filter(case__order=order):
        outbox_send(message_id=message.pk)
    return dispute.case


def test_evidence_bundle_has_the_buyers_words_on_every_case_photos_label_and_weight_never_internal_mail(
    client, agent, disputed_order
):
    owner_mail = OutboundMessage.objects.get(case=disputed_order, audience=Audience.OWNER)
    assert owner_mail.sent_at is not None, "the owner's dispute notice was sent: it exists to be left out"
    client.force_login(agent)

    response = client.get(f"/desk/cases/{disputed_order.reference}/evidence.pdf")

    reader = PdfReader(BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    # The buyer's message on the order's earlier claim, and the shop's mails to the buyer.
    assert "Im Karton waren nur drei Dutzend Servietten." in text
    buyer_mail = OutboundMessage.objects.filter(case__order=disputed_order.order, audience=Audience.BUYER)
    assert buyer_mail.exists()
    for mail in buyer_mail:
        assert mail.subject in text
    # Never what the shop's owners were told.
    assert owner_mail.subject not in text
    assert owner_mail.body_text.splitlines()[2] not in text
    # The weight check, the photos (the buyer's and the packing photo), and the carrier's label as it is.
    assert "2430 g" in text and "Expected packed weight" in text
    assert sum(len(page.images) for page in reader.pages) == 2
    assert "DHL LABEL 00340434 COPY" in reader.pages[-1].extract_text()
