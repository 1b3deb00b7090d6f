"""The API toolkit (config.api): one error shape, one way to read input, a JSON document with files."""

import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from PIL import Image
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from cases.models import RefundLimit
from claims.models import ClaimPhoto
from config.api import (
    DecimalNumberField,
    KeywordSafeSerializer,
    UTCDateTimeField,
    exception_handler,
    flat_errors,
    json_and_files,
    validated,
)
from config.errors import Conflict
from config.roles import AGENTS
from returns.models import InspectionPhoto
from tests.factories import NAPKINS, make_order, track

# --- one error shape --------------------------------------------------------------


def test_nested_errors_are_flattened_to_paths():
    errors = {
        "lines": {0: {"quantity": ["Too many."]}},
        "dispute": {"amount": ["Not a number."]},
        "x": ["Bad."],
    }

    assert flat_errors(errors) == {
        "lines[0].quantity": ["Too many."],
        "dispute.amount": ["Not a number."],
        "x": ["Bad."],
    }


def test_errors_of_a_list_of_items_are_named_by_index():
    assert flat_errors([{}, {"buyer": {"email": ["Enter a valid email address."]}}]) == {
        "[1].buyer.email": ["Enter a valid email address."]
    }


def test_a_nested_serializer_error_is_answered_with_flat_paths():
    response = exception_handler(ValidationError({"replacement": {"carrier": ["Required."]}}), {})

    assert response.status_code == 400
    assert response.data == {"replacement.carrier": ["Required."]}


def test_a_conflict_is_a_409_with_its_code():
    response = exception_handler(Conflict("Case C-1 is closed.", code="case_closed"), {})

    assert response.status_code == 409
    assert response.data == {"detail": "Case C-1 is closed.", "code": "case_closed"}


def test_a_service_validation_error_is_a_400_with_its_field_paths():
    response = exception_handler(DjangoValidationError({"lines[0].quantity": ["Between 1 and 2."]}), {})

    assert response.status_code == 400
    assert response.data == {"lines[0].quantity": ["Between 1 and 2."]}


def test_a_service_validation_error_without_a_field_is_a_non_field_error():
    response = exception_handler(DjangoValidationError("The order was cancelled."), {})

    assert response.data == {"non_field_errors": ["The order was cancelled."]}


def test_a_database_integrity_error_is_a_409_not_a_500():
    response = exception_handler(IntegrityError("duplicate key"), {})

    assert response.status_code == 409
    assert response.data["code"] == "integrity"


# --- reading input ----------------------------------------------------------------


class ItemIn(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)


def test_validated_gives_the_validated_data():
    assert validated(ItemIn, {"sku": "A", "quantity": "2"}) == {"sku": "A", "quantity": 2}


def test_validated_refuses_a_list_naming_each_bad_item_by_its_index():
    with pytest.raises(ValidationError) as refused:
        validated(ItemIn, [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 0}], many=True)

    assert refused.value.detail == {"[1].quantity": ["Ensure this value is greater than or equal to 1."]}


# --- a JSON document with files ---------------------------------------------------


def _request(data, format):
    django_request = APIRequestFactory().post("/", data, format=format)
    return Request(django_request, parsers=[JSONParser(), MultiPartParser()])


def test_a_json_body_is_the_document_and_has_no_files():
    document, files = json_and_files(_request({"type": "damaged"}, "json"))

    assert document == {"type": "damaged"} and not files


def test_multipart_carries_the_document_in_data_and_the_files_beside_it():
    photo = SimpleUploadedFile("box.png", b"png", content_type="image/png")

    document, files = json_and_files(
        _request({"data": json.dumps({"type": "damaged"}), "photos": [photo]}, "multipart")
    )

    assert document == {"type": "damaged"}
    assert [upload.name for upload in files.getlist("photos")] == ["box.png"]


def test_multipart_whose_data_is_not_json_is_refused_naming_data():
    with pytest.raises(ValidationError) as refused:
        json_and_files(_request({"data": "{not json"}, "multipart"))

    assert refused.value.detail == {"data": ["Not valid JSON."]}


def _png(name):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_a_claim_is_opened_with_its_photos_in_one_multipart_request(agent_api, shop, carrier):
    order = make_order(shop)
    document = {"order": order.pk, "type": "damaged", "statement": "Die Ecke ist eingedrückt."}

    response = agent_api.post(
        "/api/v1/claims/",
        {"data": json.dumps(document), "photos": [_png("a.png"), _png("b.png")]},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert ClaimPhoto.objects.filter(claim__case__reference=response.json()["reference"]).count() == 2


@pytest.mark.django_db
def test_an_inspection_takes_each_lines_photos_by_its_sku(agent_api, shop, carrier):
    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("1000"))
    order = make_order(shop, lines=[dict(NAPKINS, quantity=1)])
    track(order, "delivered", days_ago=2)
    key = {"shop": shop.slug, "number": order.number}
    lines = [{"sku": NAPKINS["sku"], "quantity": 1, "reason": "damaged"}]
    rma = agent_api.post("/api/v1/returns/", {"order": key, "lines": lines}, format="json").json()["rma"]
    agent_api.post(
        f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": NAPKINS["sku"], "quantity": 1}]}, format="json"
    )
    document = {"lines": [{"sku": NAPKINS["sku"], "accepted_quantity": 1, "condition": "damaged"}]}

    response = agent_api.post(
        f"/api/v1/returns/{rma}/inspect/",
        {"data": json.dumps(document), f"photos.{NAPKINS['sku']}": [_png("stain.png")]},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert InspectionPhoto.objects.get().line.order_line.sku == NAPKINS["sku"]


# --- answers ----------------------------------------------------------------------


class Window(KeywordSafeSerializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    max_ = serializers.IntegerField()


def test_a_field_named_after_a_python_keyword_answers_without_its_underscore():
    window = {"from": "2026-01-01", "to": "2026-01-31", "max_": 3}

    assert list(Window(window).data) == ["from", "to", "max_"]


class Moment(serializers.Serializer):
    at = UTCDateTimeField()
    amount = DecimalNumberField()


def test_moments_are_answered_in_utc_and_amounts_as_numbers():
    berlin_noon = datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=1)))

    body = json.loads(JSONRenderer().render(Moment({"at": berlin_noon, "amount": Decimal("12.5")}).data))

    assert body == {"at": "2026-03-02T11:00:00Z", "amount": 12.5}
