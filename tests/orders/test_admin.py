from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Buyer, Order, OrderNote, Product, Role, Shipment, ShipmentPhoto, Shop
from orders.services import membership_grant, order_note_add, orders_upsert, tracking_events_ingest

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "orders-sample.csv"


def _sample_shops(*owners):
    """The sample names the demo's shops, so it imports into `make run`'s data too; `owners` own both."""
    shops = [
        Shop.objects.create(
            slug="leinen-liebe", name="Leinen & Liebe", currency="EUR", time_zone="Europe/Berlin"
        ),
        Shop.objects.create(
            slug="linnestugan", name="Linnestugan", currency="SEK", time_zone="Europe/Stockholm"
        ),
    ]
    for owner in owners:
        for shop in shops:
            membership_grant(user=owner, shop=shop, role=Role.OWNER)
    return shops


ORDER_MODELS = list(apps.get_app_config("orders").get_models())


def _orders(shop, numbers):
    results = orders_upsert(
        items=[
            {
                "shop": shop.slug,
                "number": str(number),
                "placed_at": "2026-11-01T10:00:00Z",
                "total": "59.80",
                "buyer": {"email": f"buyer{number}@example.de", "name": "Anna"},
                "lines": [
                    {
                        "sku": "NAP-12",
                        "title": "Servietten",
                        "quantity": 4,
                        "unit_price": "14.95",
                        "unit_weight_g": 545,
                        "personalisation": [{"label": "Monogramm", "value": "AMK"}],
                    }
                ],
                "payment": {"method": "card", "reference": f"ch_{number}"},
                "shipments": [{"carrier": "dhl", "tracking_number": f"T{number}"}],
            }
            for number in numbers
        ]
    )
    tracking_events_ingest(
        events=[
            {
                "carrier": "dhl",
                "tracking_number": f"T{number}",
                "event_id": f"e{number}",
                "occurred_at": "2026-11-02T10:00:00Z",
                "status": "in_transit",
            }
            for number in numbers
        ]
    )
    for result in results:
        order_note_add(order=result.order, author=None, body="Buyer asked to hold the parcel.")
        ShipmentPhoto.objects.create(shipment=result.order.shipments.get(), image="photos/box.jpg")
    return [result.order for result in results]


@pytest.fixture(params=["superuser", "owner"])
def staff(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def staff_client(staff, client):
    client.force_login(staff)
    return client


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_orders_model_is_in_the_admin():
    assert [model for model in ORDER_MODELS if not admin.site.is_registered(model)] == []


@pytest.mark.parametrize("model", ORDER_MODELS, ids=lambda model: model._meta.model_name)
def test_changelist_renders_for_superuser_and_owner(staff_client, shop, model):
    _orders(shop, [1, 2])

    response = staff_client.get(_changelist(model))

    assert response.status_code == 200


@pytest.mark.parametrize("model", ORDER_MODELS, ids=lambda model: model._meta.model_name)
def test_changelist_queries_do_not_grow_with_rows(client, owner, shop, model):
    client.force_login(owner)
    _orders(shop, [1])
    # The first request of a session does session and profile work the others do not.
    client.get(_changelist(model))
    with CaptureQueriesContext(connection) as one:
        assert client.get(_changelist(model)).status_code == 200
    _orders(shop, range(2, 12))

    # session, user, permissions, filters' choices, count, the page: the same for 1 and 11 rows.
    with CaptureQueriesContext(connection) as eleven:
        assert client.get(_changelist(model)).status_code == 200

    assert len(eleven) == len(one), [query["sql"] for query in eleven.captured_queries]


def test_order_page_shows_lines_payment_shipment_and_notes(staff_client, shop):
    order = _orders(shop, [1])[0]

    response = staff_client.get(reverse("admin:orders_order_change", args=[order.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "NAP-12" in content
    assert "ch_1" in content
    assert "T1" in content
    assert "Buyer asked to hold the parcel." in content


def test_shipment_page_shows_the_tracking_story(staff_client, shop):
    shipment = _orders(shop, [1])[0].shipments.get()

    response = staff_client.get(reverse("admin:orders_shipment_change", args=[shipment.pk]))

    assert response.status_code == 200
    assert "e1" in response.content.decode()


def test_note_added_in_the_admin_records_its_author(client, owner, shop):
    order = _orders(shop, [1])[0]
    client.force_login(owner)

    response = client.post(
        reverse("admin:orders_ordernote_add"), {"order": order.pk, "body": "Called the buyer."}
    )

    assert response.status_code == 302
    assert OrderNote.objects.get(body="Called the buyer.").author == owner


def buyer_form(buyer, **fields) -> dict:
    """The buyer's admin page as submitted, with `fields` changed."""
    return {
        "shop": buyer.shop_id,
        "email": buyer.email,
        "name": "",
        "language": "",
        "risk_flag": "none",
        "risk_reason": "",
        "orders-TOTAL_FORMS": "0",
        "orders-INITIAL_FORMS": "0",
        **fields,
    }


def test_flagging_a_buyer_in_the_admin_records_who_and_why(client, owner, shop):
    buyer = Buyer.objects.create(shop=shop, email="x@example.de")
    client.force_login(owner)
    form = buyer_form(buyer, risk_flag="questionable")
    url = reverse("admin:orders_buyer_change", args=[buyer.pk])

    refused = client.post(url, form)
    accepted = client.post(url, {**form, "risk_reason": "Claimed three parcels lost this year."})

    assert refused.status_code == 200  # the form again, with the error
    assert accepted.status_code == 302
    buyer.refresh_from_db()
    assert (buyer.risk_flag, buyer.risk_set_by) == ("questionable", owner)
    assert buyer.risk_set_at is not None


def test_buyer_name_pasted_with_a_line_break_is_saved_on_one_line(client, owner, shop):
    buyer = Buyer.objects.create(shop=shop, email="x@example.de")
    client.force_login(owner)

    response = client.post(
        reverse("admin:orders_buyer_change", args=[buyer.pk]),
        buyer_form(buyer, name="Anna\r\nBcc: x@evil.example"),
    )

    assert response.status_code == 302
    buyer.refresh_from_db()
    assert buyer.name == "Anna Bcc: x@evil.example"


def test_order_changelist_offers_the_import_to_owners(client, owner, shop):
    client.force_login(owner)

    response = client.get(_changelist(Order))

    assert reverse("admin:orders_order_import") in response.content.decode()


def test_admin_import_accepts_the_sample_file(staff_client, staff):
    _sample_shops(staff)

    with open(SAMPLE, "rb") as file:
        response = staff_client.post(reverse("admin:orders_order_import"), {"file": file})

    assert response.status_code == 200
    assert "6 rows read: 4 new orders, 0 updated, 0 failed." in response.content.decode()
    assert Order.objects.count() == 4
    assert Shipment.objects.count() == 3


def test_admin_import_lists_errors_by_row(client, owner, grant):
    grant(owner, Shop.objects.create(slug="leinen-liebe", name="Leinen & Liebe", currency="EUR"))
    client.force_login(owner)
    # Row 4 is the rush order's only line; without the Swedish shop its rows 6 and 7 fail too.
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",2,", ",0,", 1)
    file = SimpleUploadedFile("orders.csv", "\n".join(lines).encode("utf-8"), content_type="text/csv")

    response = client.post(reverse("admin:orders_order_import"), {"file": file})

    content = response.content.decode()
    assert "import-errors" in content
    assert "<td>4</td><td>quantity</td>" in content
    assert "<td>6</td><td>shop</td>" in content
    assert Order.objects.count() == 2


def test_agents_cannot_reach_the_admin_import(client, agent):
    client.force_login(agent)

    response = client.get(reverse("admin:orders_order_import"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_owner_sets_a_products_family_and_list_price_in_the_admin(owner_client, shop):
    product = Product.objects.create(shop=shop, sku="HAND-LEIN-50", title="Handtuch Leinen 50x100")

    response = owner_client.post(
        reverse("admin:orders_product_change", args=[product.pk]),
        {
            "shop": shop.pk,
            "sku": product.sku,
            "title": product.title,
            "family": "HAND-LEIN",
            "list_price": "18.50",
            "unit_weight_g": 300,
            "returnable": "on",
            "stock_on_hand": 4,
        },
    )

    assert response.status_code == 302, response.context["adminform"].errors
    product.refresh_from_db()
    assert (product.family, str(product.list_price)) == ("HAND-LEIN", "18.50")
