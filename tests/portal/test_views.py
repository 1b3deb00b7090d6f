"""A buyer's way through the portal in German and Swedish, with the test client."""

from io import BytesIO

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format
from PIL import Image

from cases.models import Case, Refund
from claims import services as claims
from claims.models import Claim, Resolution
from decisions.models import DecisionRecord
from messaging.models import OutboundMessage
from orders.models import TrackingEvent
from portal.access import SESSION_KEY
from returns.models import ReturnRequest, ReturnStatus
from tests.factories import (
    DUVET,
    MONOGRAM_TOWELS,
    NAPKINS,
    RUNNER,
    accept_return,
    make_claim,
    make_order,
    make_return,
    return_line,
    track,
)

from .conftest import follow, lookup, page_without_csrf

pytestmark = pytest.mark.django_db


def test_the_portal_start_page_does_not_list_the_shops(client, shop, swedish_shop):
    response = client.get("/portal/")

    assert response.status_code == 200
    assert b"/portal/leinen/" not in response.content and b"/portal/linnestugan/" not in response.content
    assert b"Linnestugan" not in response.content


def test_an_unknown_shop_is_not_found(client, db):
    assert client.get("/portal/no-such-shop/").status_code == 404


def test_number_and_email_open_the_order(client, de_order):
    response = lookup(client, de_order, f"#{de_order.number} ", "  ANNA.berg@example.DE ")

    assert response.status_code == 302
    assert response["Location"] == f"/portal/leinen/order/{de_order.number}/"
    assert client.session[SESSION_KEY] == {str(de_order.shop_id): de_order.pk}


@pytest.mark.parametrize("typed", ["{digits}", "{lower}", " #{digits}"])
def test_the_number_opens_the_order_without_its_prefix_or_in_lower_case(client, shop, typed):
    order = make_order(shop, number="LL-24101", email="sabine@example.de")
    make_order(shop, number="LL-24102")
    typed = typed.format(digits="24101", lower="ll-24101")

    response = lookup(client, order, typed, "Sabine@example.de")

    assert response.status_code == 302 and response["Location"] == "/portal/leinen/order/LL-24101/"


def test_a_number_without_prefix_still_needs_the_right_email(client, shop):
    order = make_order(shop, number="LL-24101", email="sabine@example.de")

    response = lookup(client, order, "24101", "someone@example.de")

    assert response.status_code == 200 and SESSION_KEY not in client.session


def test_wrong_email_and_unknown_order_get_the_same_answer(client, de_order):
    wrong_email = lookup(client, de_order, de_order.number, "someone.else@example.de")
    unknown_order = lookup(client, de_order, "99999999", "someone.else@example.de")

    assert wrong_email.status_code == unknown_order.status_code == 200
    assert page_without_csrf(wrong_email).replace(de_order.number, "X") == page_without_csrf(
        unknown_order
    ).replace("99999999", "X")
    assert SESSION_KEY not in client.session


def test_the_lookup_form_needs_its_csrf_token(de_order):
    client = Client(enforce_csrf_checks=True)

    response = lookup(client, de_order, de_order.number, "anna.berg@example.de")

    assert response.status_code == 403


def png(name="parcel.png", size=(64, 48)) -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", size, (180, 120, 90)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def return_data(order, *picks, condition="as_new", resolution="refund", method="drop_off"):
    data = {"condition": condition, "resolution": resolution, "method": method}
    for sku, quantity, reason in picks:
        pk = order.lines.get(sku=sku).pk
        data |= {f"qty_{pk}": quantity, f"reason_{pk}": reason}
    return data


def test_german_buyer_returns_napkins_and_gets_rma_label_and_qr_code(client, de_order):
    order_page = follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))
    assert order_page.status_code == 200
    assert order_page["Content-Language"] == "de"
    assert "Rücksendung starten" in order_page.content.decode()

    form = client.get(f"/portal/leinen/order/{de_order.number}/return/")
    assert form.status_code == 200
    done = follow(
        client,
        client.post(form.request["PATH_INFO"], return_data(de_order, (NAPKINS["sku"], 2, "too_large"))),
    )

    return_request = ReturnRequest.objects.get(order=de_order)
    page = done.content.decode()
    assert "Ihre Rücksendung ist angemeldet" in page
    assert return_request.rma in page
    assert return_request.status == ReturnStatus.LABEL_ISSUED
    label = client.get(f"/portal/leinen/order/{de_order.number}/return/{return_request.rma}/label.pdf")
    assert label["Content-Type"] == "application/pdf"
    assert f'filename="{return_request.rma}.pdf"' in label["Content-Disposition"]
    assert b"".join(label.streaming_content).startswith(b"%PDF")
    qr = client.get(f"/portal/leinen/order/{de_order.number}/return/{return_request.rma}/qr.png")
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(BytesIO(qr.content)))] == [return_request.rma]


def test_german_buyer_reports_damage_with_a_photo_and_gets_a_case_reference(client, de_order):
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))
    tablecloth = de_order.lines.get(sku="TISCH-LEIN-160")

    done = follow(
        client,
        client.post(
            f"/portal/leinen/order/{de_order.number}/problem/",
            {
                "type": "damaged",
                f"qty_{tablecloth.pk}": 1,
                "statement": "Ein Riss an der Kante.",
                "photos": [png()],
            },
        ),
    )

    claim = Claim.objects.get(case__order=de_order)
    assert claim.type == "damaged" and claim.case.opened_via == "portal"
    assert claim.photos.count() == 1
    assert claim.lines.get().order_line == tablecloth
    assert "Vielen Dank" in done.content.decode()
    assert claim.case.reference in done.content.decode()


def test_a_buyer_reporting_again_and_again_gets_one_automatic_decision(client, shop, carrier):
    # The issue's story: "wrong item" three times, then "damaged", on a 34.80 order; the default
    # matrix replaces and refunds orders this small on its own.
    order = make_order(
        shop,
        email="kai.wolf@example.de",
        lines=[{"sku": "GESCHIRR-3", "title": "Geschirrtücher", "unit_price": "28.90", "quantity": 1}],
    )
    track(order, "delivered", days_ago=2)
    follow(client, lookup(client, order, order.number, "kai.wolf@example.de"))
    towels = order.lines.get()

    for problem in ("wrong_item", "wrong_item", "wrong_item", "damaged"):
        answer = client.post(
            f"/portal/leinen/order/{order.number}/problem/",
            {"type": problem, f"qty_{towels.pk}": 1, "statement": "Nicht das, was ich bestellt habe."},
        )
        assert answer.status_code == 302

    records = DecisionRecord.objects.filter(case__order=order)
    assert records.filter(auto_applied=True).count() == 1
    assert Resolution.objects.filter(case__order=order).count() == 1
    assert not Refund.objects.filter(order=order).exists()
    waiting = Case.objects.filter(order=order, status="new")
    assert sorted(waiting.values_list("claim__type", flat=True)) == ["damaged", "wrong_item"]


def test_swedish_buyer_returns_heavy_bedding_with_pickup(client, se_order):
    order_page = follow(client, lookup(client, se_order, se_order.number, "lena.holm@telia.example"))
    assert order_page["Content-Language"] == "sv"
    assert "Starta en retur" in order_page.content.decode()

    done = follow(
        client,
        client.post(
            f"/portal/linnestugan/order/{se_order.number}/return/",
            return_data(se_order, (DUVET["sku"], 2, "not_as_described"), method="pickup"),
        ),
    )

    return_request = ReturnRequest.objects.get(order=se_order)
    assert return_request.method == "pickup"
    page = done.content.decode()
    assert "Din retur är registrerad" in page
    assert return_request.rma in page
    assert "label.pdf" in page


def test_swedish_buyer_reports_a_missing_item_and_gets_a_case_reference(client, se_order):
    follow(client, lookup(client, se_order, se_order.number, "lena.holm@telia.example"))
    runner = se_order.lines.get(sku=RUNNER["sku"])

    done = follow(
        client,
        client.post(
            f"/portal/linnestugan/order/{se_order.number}/problem/",
            {"type": "missing_items", f"qty_{runner.pk}": 1, "statement": "Löparen saknades i paketet."},
        ),
    )

    claim = Claim.objects.get(case__order=se_order)
    assert claim.type == "missing_items"
    assert "Tack, vi har fått din anmälan" in done.content.decode()
    assert claim.case.reference in done.content.decode()


def test_missing_items_without_saying_which_is_sent_back_to_the_buyer(client, se_order):
    follow(client, lookup(client, se_order, se_order.number, "lena.holm@telia.example"))

    response = client.post(f"/portal/linnestugan/order/{se_order.number}/problem/", {"type": "missing_items"})

    assert response.status_code == 200
    assert not Claim.objects.filter(case__order=se_order).exists()


def test_pickup_is_refused_for_a_light_parcel(client, se_order):
    follow(client, lookup(client, se_order, se_order.number, "lena.holm@telia.example"))

    response = client.post(
        f"/portal/linnestugan/order/{se_order.number}/return/",
        return_data(se_order, (RUNNER["sku"], 1, "changed_mind"), method="pickup"),
    )

    assert response.status_code == 200
    assert not ReturnRequest.objects.filter(order=se_order).exists()


def test_pickup_is_not_offered_when_nothing_on_the_order_is_heavy(client, de_order):
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))

    form = client.get(f"/portal/leinen/order/{de_order.number}/return/")

    assert 'name="method" value="pickup"' not in form.content.decode()


def test_personalised_items_cannot_be_chosen_and_the_page_says_why(client, de_order):
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))
    towels = de_order.lines.get(sku=MONOGRAM_TOWELS["sku"])

    form = client.get(f"/portal/leinen/order/{de_order.number}/return/?lang=en")
    response = client.post(
        f"/portal/leinen/order/{de_order.number}/return/",
        {**return_data(de_order), f"qty_{towels.pk}": 1, f"reason_{towels.pk}": "changed_mind"},
    )

    assert f'name="qty_{towels.pk}"' not in form.content.decode()
    assert "personalised" in form.content.decode()
    assert response.status_code == 200
    assert not ReturnRequest.objects.filter(order=de_order).exists()


def test_a_file_that_is_not_a_photo_is_refused(client, de_order):
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))
    fake = SimpleUploadedFile("schaden.jpg", b"#!/bin/sh\necho not a picture\n", content_type="image/jpeg")

    response = client.post(
        f"/portal/leinen/order/{de_order.number}/problem/", {"type": "damaged", "photos": [fake]}
    )

    assert response.status_code == 200
    assert "schaden.jpg" in response.content.decode()
    assert not Claim.objects.filter(case__order=de_order).exists()


def test_a_photo_over_the_size_limit_is_refused(client, de_order):
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))
    photo = png("gross.png")
    # A real PNG with 8 MB of trailing bytes: readable, but over the limit.
    big = SimpleUploadedFile("gross.png", photo.read() + b"\0" * (8 * 1024 * 1024), content_type="image/png")

    response = client.post(
        f"/portal/leinen/order/{de_order.number}/problem/", {"type": "damaged", "photos": [big]}
    )

    assert response.status_code == 200
    assert not Claim.objects.filter(case__order=de_order).exists()


def test_the_order_page_shows_personalisation_and_the_tracking_story(client, de_order):
    page = follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de")).content.decode()

    assert "„ABK“" in page and "Salbei" in page
    assert "Bielefeld" in page and "Berlin" in page
    assert de_order.shipments.get().tracking_number in page


def test_the_carriers_english_text_is_a_small_line_under_the_german_status(client, de_order):
    TrackingEvent.objects.filter(shipment__order=de_order, status="delivered").update(
        description="Delivered To Front Door"
    )
    lookup(client, de_order, de_order.number, "anna.berg@example.de")

    page = client.get(f"/portal/leinen/order/{de_order.number}/").content.decode()

    assert '<small class="p-muted" data-testid="carrier-text">DHL: Delivered To Front Door</small>' in page


def test_the_order_page_tells_when_the_refund_arrives(client, de_order):
    return_request = make_return(de_order, return_line(de_order, reason="too_small"))
    result = accept_return(return_request)
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))

    page = client.get(f"/portal/leinen/order/{de_order.number}/?lang=en").content.decode()

    assert f"Return {return_request.rma}" in page
    assert "Refund: 24.90 EUR" in page
    with translation.override("en"):
        expected = date_format(result.refund.expected_arrival, "DATE_FORMAT")
    assert f"Expected in your account by {expected}." in page


def test_the_photos_link_in_the_email_opens_the_upload_page_that_takes_the_photos(client, de_order, agent):
    claim = make_claim(de_order, "damaged")
    claims.playbook_step_done(claim=claim, key="photos", actor=agent)
    link = OutboundMessage.objects.get(case=claim.case, event="photos_requested").context["photos_link"]

    page = follow(client, client.get(link.split("127.0.0.1:8000", 1)[-1]))
    assert page.status_code == 200
    assert claim.case.reference in page.content.decode()
    done = follow(client, client.post(page.request["PATH_INFO"], {"photos": [png(), png("karton.png")]}))

    assert done.status_code == 200
    assert claim.photos.count() == 2
    assert claim.case.events.filter(verb="buyer_sent_photos", new="portal").exists()
    assert done.request["PATH_INFO"].endswith(f"/problem/{claim.case.reference}/")


def test_photos_sent_from_the_case_page_before_anyone_asked_tick_the_photos_step(client, de_order):
    claim = make_claim(de_order, "damaged")
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))
    case_page = client.get(f"/portal/leinen/order/{de_order.number}/problem/{claim.case.reference}/")
    photos_url = f"/portal/leinen/order/{de_order.number}/problem/{claim.case.reference}/photos/"
    assert photos_url in case_page.content.decode()

    follow(client, client.post(photos_url, {"photos": [png()]}))

    step = claim.case.events.get(verb="playbook_step", new="photos")
    assert step.actor is None
    assert claim.steps_done.filter(key="photos").exists()
    # Nothing left to ask: ticking the step now sends no e-mail.
    assert not OutboundMessage.objects.filter(case=claim.case, event="photos_requested").exists()


def test_photos_for_another_orders_case_are_not_taken(client, de_order, shop, carrier):
    other = make_order(shop, email="someone.else@example.de")
    other_case = make_claim(other, "damaged").case
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))

    response = client.post(
        f"/portal/leinen/order/{de_order.number}/problem/{other_case.reference}/photos/", {"photos": [png()]}
    )

    assert response.status_code == 404
    assert not other_case.claim.photos.exists()


def test_a_photo_upload_that_is_not_a_photo_writes_nothing(client, de_order):
    claim = make_claim(de_order, "damaged")
    follow(client, lookup(client, de_order, de_order.number, "anna.berg@example.de"))
    fake = SimpleUploadedFile("karton.jpg", b"<html>not a photo</html>", content_type="image/jpeg")

    response = client.post(
        f"/portal/leinen/order/{de_order.number}/problem/{claim.case.reference}/photos/", {"photos": [fake]}
    )

    assert response.status_code == 200
    assert not claim.photos.exists()
    assert not claim.steps_done.filter(key="photos").exists()
