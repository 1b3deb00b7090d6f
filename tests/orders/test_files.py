"""Labels, photos and attachments: random names, no public address, only the file's shop fetches it.

The attacks of issue 12: the old /media/ address of a return label, guessing a name by its RMA or
the sender's file name, another shop's agent or shop system asking for a file, an HTML page
uploaded as photo.jpg, a buyer's phone photo that gives away where they live.
"""

import json
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import ClaimPhoto
from messaging.mailparse import InboundAttachmentIn, InboundIn
from messaging.models import InboundAttachment
from messaging.services.inbound import inbound_receive
from orders.models import ShipmentPhoto
from returns.models import InspectionPhoto
from tests.factories import (
    NAPKINS,
    api_token,
    gps_jpeg,
    make_claim,
    make_order,
    make_return,
    metadata_of,
    return_line,
    track,
)

pytestmark = pytest.mark.django_db

RANDOM_NAME = re.compile(r"[a-z-]+/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z]+")
HTML_PAGE = b"<!doctype html><script>fetch('/desk/').then(r => r.text()).then(steal)</script>"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def label(shop, carrier):
    """A return of Leinen & Liebe with its label: the buyer's name and home address in a PDF."""
    order = make_order(shop)
    track(order, "delivered", days_ago=2)
    request = make_return(order, return_line(order))
    assert request.label_pdf
    return request


@pytest.fixture
def attachment(shop, carrier):
    """A PDF a buyer sent by e-mail, under their own file name."""
    message = inbound_receive(
        mail=InboundIn(
            from_email="anna.berg@example.de",
            to=[shop.support_email],
            text="Die Rechnung anbei.",
            attachments=[
                InboundAttachmentIn("Rechnung Anna Berg.pdf", b"%PDF-1.4 Anna Berg", "application/pdf")
            ],
        )
    )
    return message.attachments.get()


def test_the_old_public_address_of_a_return_label_answers_nothing(client, label):
    old = client.get(f"/media/returns/labels/{label.rma}.pdf")
    stored = client.get(f"/media/{label.label_pdf.name}")

    assert old.status_code == 404 and stored.status_code == 404
    assert b"%PDF" not in old.content + stored.content


def test_names_are_random_not_the_rma_nor_the_senders(label, attachment):
    assert RANDOM_NAME.fullmatch(label.label_pdf.name), label.label_pdf.name
    assert label.rma not in label.label_pdf.name
    assert RANDOM_NAME.fullmatch(attachment.file.name), attachment.file.name
    assert "Rechnung" not in attachment.file.name and "Berg" not in attachment.file.name
    # The sender's name stays for the agent, who downloads it under that name.
    assert attachment.filename == "Rechnung Anna Berg.pdf"


def test_anonymous_visitors_get_no_file(client, label, attachment):
    answers = [
        client.get(label.label_pdf.url),
        client.get(attachment.file.url),
        client.get(f"/api/v1/returns/{label.rma}/label.pdf"),
    ]

    assert [response.status_code for response in answers] == [401, 401, 401]
    assert all(b"%PDF" not in response.content for response in answers)


def test_another_shops_agent_gets_404_for_every_file(client, swedish_agent, label, attachment, carrier):
    claim = make_claim(make_order(label.order.shop), photos=[gps_jpeg()])
    client.force_login(swedish_agent)

    urls = [label.label_pdf.url, attachment.file.url, claim.photos.get().file.url]
    answers = [client.get(url) for url in urls]

    assert [response.status_code for response in answers] == [404, 404, 404]
    assert not any(response.streaming for response in answers)


def test_another_shops_api_token_gets_404_and_its_own_shops_token_gets_the_file(
    client, label, swedish_owner, owner
):
    foreign = api_token(swedish_owner)
    own = api_token(owner)

    refused = client.get(label.label_pdf.url, HTTP_AUTHORIZATION=f"Token {foreign}")
    fetched = client.get(label.label_pdf.url, HTTP_AUTHORIZATION=f"Token {own}")

    assert refused.status_code == 404
    assert fetched.status_code == 200 and _body(fetched).startswith(b"%PDF")


def test_a_member_of_the_shop_without_the_permission_gets_404(client, label, integration):
    # The shop system pushes orders; it was never given returns to read.
    client.force_login(integration)

    assert client.get(label.label_pdf.url).status_code == 404


def test_a_label_is_downloaded_never_shown_and_never_cached(client, agent, label):
    client.force_login(agent)

    response = client.get(label.label_pdf.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{label.rma}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert _body(response).startswith(b"%PDF")


def test_a_photo_is_shown_inline_with_its_type_from_the_extension(client, agent, shop, carrier):
    claim = make_claim(make_order(shop), photos=[gps_jpeg()])
    client.force_login(agent)

    response = client.get(claim.photos.get().file.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_gives_an_attachments_checked_address(agent_api, attachment):
    case = attachment.message.case

    messages = agent_api.get(f"/api/v1/cases/{case.reference}/messages/").json()["messages"]
    [message] = [each for each in messages if each["direction"] == "in"]

    assert message["attachments"][0]["url"] == f"/files/inbound-attachments/{attachment.pk}/"


def test_an_attachment_is_downloaded_under_the_senders_name_with_its_real_type(client, agent, attachment):
    client.force_login(agent)

    response = client.get(attachment.file.url)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Rechnung Anna Berg.pdf"'


def test_html_or_svg_sent_by_email_is_never_stored_and_a_pdf_named_html_is_a_pdf_download(
    client, agent, shop
):
    message = inbound_receive(
        mail=InboundIn(
            from_email="mallory@example.org",
            to=[shop.support_email],
            text="Rechnung",
            attachments=[
                InboundAttachmentIn("rechnung.html", HTML_PAGE, "text/html"),
                InboundAttachmentIn("logo.svg", b"<svg onload='steal()'/>", "image/svg+xml"),
                InboundAttachmentIn("rechnung.html", b"%PDF-1.4" + HTML_PAGE, "text/html"),
            ],
        )
    )
    client.force_login(agent)

    [kept] = message.attachments.all()
    response = client.get(kept.file.url)

    assert [r["filename"] for r in message.rejected_attachments] == ["rechnung.html", "logo.svg"]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rechnung.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_html_page_uploaded_as_photo_jpg_is_refused_by_the_api(agent_api, shop, carrier):
    order = make_order(shop)
    page = SimpleUploadedFile("photo.jpg", HTML_PAGE, content_type="image/jpeg")

    response = agent_api.post(
        "/api/v1/claims/",
        {"data": json.dumps({"order": order.pk, "type": "damaged"}), "photos": [page]},
        format="multipart",
    )

    assert response.status_code == 400 and "photos" in response.json()
    assert not ClaimPhoto.objects.exists()


def test_an_html_page_uploaded_as_photo_jpg_in_the_admin_is_only_ever_a_download(
    client, owner, shop, carrier
):
    order = make_order(shop)
    track(order, "delivered", days_ago=1)
    shipment = order.shipments.get()
    client.force_login(owner)

    client.post(
        f"/admin/orders/shipment/{shipment.pk}/change/",
        {
            "order": order.pk,
            "carrier": shipment.carrier.pk,
            "tracking_number": shipment.tracking_number,
            "photos-TOTAL_FORMS": 1,
            "photos-INITIAL_FORMS": 0,
            "photos-0-image": SimpleUploadedFile("photo.jpg", HTML_PAGE, content_type="image/jpeg"),
            "photos-0-caption": "Karton",
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        },
    )
    photo = ShipmentPhoto.objects.get(shipment=shipment)
    response = client.get(photo.image.url)

    assert photo.image.name.endswith(".bin")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_photo_sent_through_the_api_comes_back_without_its_gps_position(
    client, agent, agent_api, shop, carrier
):
    order = make_order(shop)
    created = agent_api.post(
        "/api/v1/claims/",
        {"data": json.dumps({"order": order.pk, "type": "damaged"}), "photos": [gps_jpeg()]},
        format="multipart",
    )
    photo = ClaimPhoto.objects.get(claim__case__reference=created.json()["reference"])
    client.force_login(agent)

    found = metadata_of(_body(client.get(photo.file.url)))

    assert found["gps"] == {} and found["exif"] == {}
    # Turned the way the camera was held, since the orientation tag is gone too.
    assert found["size"] == (20, 40)


def test_an_inspection_photo_loses_its_gps_position(agent_api, client, agent, shop, carrier):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=1)])
    track(order, "delivered", days_ago=2)
    rma = make_return(order, return_line(order)).rma
    agent_api.post(
        f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": NAPKINS["sku"], "quantity": 1}]}, format="json"
    )
    document = {"lines": [{"sku": NAPKINS["sku"], "accepted_quantity": 1, "condition": "opened"}]}
    inspected = agent_api.post(
        f"/api/v1/returns/{rma}/inspect/",
        {"data": json.dumps(document), f"photos.{NAPKINS['sku']}": [gps_jpeg()]},
        format="multipart",
    )
    assert inspected.status_code == 200, inspected.json()
    client.force_login(agent)

    photo = InspectionPhoto.objects.get(line__request__rma=rma)

    assert metadata_of(_body(client.get(photo.file.url)))["gps"] == {}


def test_a_photo_attached_to_an_email_loses_its_gps_position(client, agent, shop):
    message = inbound_receive(
        mail=InboundIn(
            from_email="anna.berg@example.de",
            to=[shop.support_email],
            text="Foto anbei",
            attachments=[InboundAttachmentIn("IMG_2041.jpg", gps_jpeg().read(), "image/jpeg")],
        )
    )
    client.force_login(agent)

    kept = message.attachments.get()

    assert metadata_of(_body(client.get(kept.file.url)))["gps"] == {}


def test_the_desk_links_photos_and_attachments_to_the_checked_view(client, agent, shop, carrier):
    claim = make_claim(make_order(shop), photos=[gps_jpeg()])
    attachment = InboundAttachment(
        message=claim.case.inbound_messages.create(from_email="anna.berg@example.de", body="Foto"),
        filename="karton.pdf",
        mimetype="application/pdf",
        size=8,
    )
    attachment.file.save("karton.pdf", ContentFile(b"%PDF-1.4"), save=True)
    client.force_login(agent)

    page = client.get(f"/desk/cases/{claim.case.reference}/").content.decode()

    assert f'src="/files/claim-photos/{claim.photos.get().pk}/"' in page
    assert f'href="/files/inbound-attachments/{attachment.pk}/"' in page
    assert "/media/" not in page


def test_a_file_gone_from_storage_is_a_404_not_an_error(client, agent, label):
    default_storage.delete(label.label_pdf.name)
    client.force_login(agent)

    assert client.get(label.label_pdf.url).status_code == 404
