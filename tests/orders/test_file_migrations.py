"""An installation from before random names: the migrations move its files to random names.

The rows and files are seeded as the old code stored them (labels/R-2026-000001.pdf,
inbound/<id>/<sender's name>, photos with their GPS position), then each app's migration
function is called as `manage.py migrate` calls it.
"""

import importlib
import re

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from claims.models import ClaimPhoto
from messaging.models import InboundAttachment
from orders.models import Shipment, ShipmentPhoto
from returns.models import ReturnRequest
from tests.factories import gps_jpeg, make_claim, make_order, make_return, metadata_of, return_line, track

pytestmark = pytest.mark.django_db

MIGRATIONS = [
    "orders.migrations.0008_private_label_and_photo_names",
    "messaging.migrations.0007_private_attachment_names",
    "claims.migrations.0006_private_photo_names",
    "returns.migrations.0005_private_label_and_photo_names",
]
RANDOM_NAME = re.compile(r"[a-z-]+/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z]+")


def _store_under_old_name(model, pk, field, old_name, content: bytes):
    default_storage.save(old_name, ContentFile(content))
    model.objects.filter(pk=pk).update(**{field: old_name})


def _migrate(capture):
    with capture(execute=True):
        for module in MIGRATIONS:
            importlib.import_module(module).random_names(apps, None)


@pytest.fixture
def old_files(shop, carrier):
    order = make_order(shop)
    track(order, "delivered", days_ago=2)
    shipment = order.shipments.get()
    request = make_return(order, return_line(order))
    claim = make_claim(order)
    photo = ClaimPhoto.objects.create(claim=claim, content_type="image/jpeg", size=1, file="x")
    packing = ShipmentPhoto.objects.create(shipment=shipment, image="x")
    message = claim.case.inbound_messages.create(from_email="anna.berg@example.de", body="Rechnung")
    attachment = InboundAttachment.objects.create(
        message=message, filename="Rechnung Anna Berg.pdf", mimetype="application/pdf", size=9, file="x"
    )
    old = {
        (ReturnRequest, request.pk, "label_pdf"): (
            f"returns/labels/{request.rma}.pdf",
            b"%PDF-1.4 Anna Berg",
        ),
        (Shipment, shipment.pk, "label_document"): (
            f"labels/{shipment.tracking_number}.pdf",
            b"%PDF-1.4 DHL",
        ),
        (ClaimPhoto, photo.pk, "file"): (f"claims/{claim.pk}/IMG_2041.jpg", gps_jpeg().read()),
        (ShipmentPhoto, packing.pk, "image"): (f"shipments/{shipment.pk}/karton.jpg", gps_jpeg().read()),
        (InboundAttachment, attachment.pk, "file"): (
            f"inbound/{message.pk}/Rechnung_Anna_Berg.pdf",
            b"%PDF-1.4 AB",
        ),
    }
    for (model, pk, field), (name, content) in old.items():
        _store_under_old_name(model, pk, field, name, content)
    return old


def _stored(model, pk, field):
    return getattr(model.objects.get(pk=pk), field)


def test_every_file_moves_to_a_random_name_with_its_content(old_files, django_capture_on_commit_callbacks):
    _migrate(django_capture_on_commit_callbacks)

    for (model, pk, field), (old_name, content) in old_files.items():
        file = _stored(model, pk, field)
        assert RANDOM_NAME.fullmatch(file.name), file.name
        assert not default_storage.exists(old_name), f"{old_name} is still there"
        with file.open("rb") as handle:
            data = handle.read()
        if old_name.endswith(".pdf"):
            assert data == content
        else:
            assert metadata_of(data)["gps"] == {}, f"{old_name} kept its GPS position"


def test_the_old_addresses_are_gone_for_an_anonymous_visitor(
    client, old_files, django_capture_on_commit_callbacks
):
    _migrate(django_capture_on_commit_callbacks)

    for old_name, _content in old_files.values():
        assert client.get(f"/media/{old_name}").status_code == 404


def test_running_it_again_moves_nothing(old_files, django_capture_on_commit_callbacks):
    _migrate(django_capture_on_commit_callbacks)
    names = {key: _stored(*key).name for key in old_files}

    _migrate(django_capture_on_commit_callbacks)

    assert {key: _stored(*key).name for key in old_files} == names


def test_a_row_whose_file_is_missing_keeps_its_name(old_files, django_capture_on_commit_callbacks):
    [(key, (old_name, _content))] = [item for item in old_files.items() if item[0][0] is ReturnRequest]
    default_storage.delete(old_name)

    _migrate(django_capture_on_commit_callbacks)

    assert _stored(*key).name == old_name
