"""A buyer fetches their own return label and the photos they sent, and nobody else's."""

import pytest

from cases.models import OpenedVia
from tests.factories import gps_jpeg, make_claim, make_order, make_return, metadata_of, return_line

from .conftest import scope

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def other_order(shop, carrier):
    return make_order(shop, email="max.muster@example.de")


def test_the_buyer_gets_their_label_as_a_download_never_cached(client, de_order):
    request = make_return(de_order, return_line(de_order))
    scope(client, de_order)

    response = client.get(f"/portal/leinen/order/{de_order.number}/return/{request.rma}/label.pdf")

    assert response.status_code == 200 and _body(response).startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="{request.rma}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_buyer_sees_their_photo_without_its_gps_position(client, de_order):
    claim = make_claim(de_order, opened_via=OpenedVia.PORTAL, photos=[gps_jpeg()])
    photo = claim.photos.get()
    scope(client, de_order)

    page = client.get(f"/portal/leinen/order/{de_order.number}/problem/{claim.case.reference}/")
    response = client.get(f"/portal/leinen/order/{de_order.number}/photos/{photo.pk}/")

    assert f"/portal/leinen/order/{de_order.number}/photos/{photo.pk}/" in page.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert metadata_of(_body(response))["gps"] == {}


def test_another_buyers_photo_is_not_found_through_ones_own_order(client, de_order, other_order):
    foreign = make_claim(other_order, opened_via=OpenedVia.PORTAL, photos=[gps_jpeg()]).photos.get()
    scope(client, de_order)

    through_mine = client.get(f"/portal/leinen/order/{de_order.number}/photos/{foreign.pk}/")
    through_theirs = client.get(f"/portal/leinen/order/{other_order.number}/photos/{foreign.pk}/")

    assert through_mine.status_code == 404
    # Not this session's order: back to the lookup, as for any order not ours.
    assert through_theirs.status_code == 302 and through_theirs["Location"] == "/portal/leinen/"


def test_without_a_portal_session_there_is_no_label_and_no_photo(client, de_order):
    request = make_return(de_order, return_line(de_order))
    photo = make_claim(de_order, photos=[gps_jpeg()]).photos.get()

    label = client.get(f"/portal/leinen/order/{de_order.number}/return/{request.rma}/label.pdf")
    picture = client.get(f"/portal/leinen/order/{de_order.number}/photos/{photo.pk}/")

    assert (label.status_code, picture.status_code) == (302, 302)
    assert not label.streaming and not picture.streaming
