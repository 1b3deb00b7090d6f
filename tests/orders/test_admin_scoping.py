"""The admin as the owner of another shop tries it: nothing of Leinen & Liebe to see, pick or change."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import RefundLimit
from config.roles import AGENTS
from decisions.services import active_matrix
from orders.admin import ShopScopedAdmin, ShopScopedInline
from orders.models import Order
from tests.factories import make_order

pytestmark = pytest.mark.django_db

OUR_APPS = {
    "orders",
    "cases",
    "claims",
    "decisions",
    "messaging",
    "returns",
    "integrations",
    "desk",
    "portal",
    "demo",
}


@pytest.fixture
def leinen_order(shop, carrier):
    return make_order(shop, number="LL-4711", email="zelda.quarz@example.de")


@pytest.fixture
def rival(client, swedish_owner):
    """Linnestugan's owner in the admin."""
    client.force_login(swedish_owner)
    return client


def test_every_admin_and_inline_of_postsale_is_scoped_to_shops():
    unscoped = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        if not isinstance(model_admin, ShopScopedAdmin):
            unscoped.append(type(model_admin).__name__)
        unscoped += [
            inline.__name__ for inline in model_admin.inlines if not issubclass(inline, ShopScopedInline)
        ]
    assert unscoped == []


def test_another_shops_order_is_neither_listed_found_nor_opened(rival, leinen_order):
    changelist = rival.get(reverse("admin:orders_order_changelist"), {"q": "zelda"}).content.decode()
    change = rival.get(reverse("admin:orders_order_change", args=[leinen_order.pk]))

    assert "LL-4711" not in changelist and "Zelda" not in changelist
    # Like an order that was deleted: back to the admin's start page, nothing of the order shown.
    assert change.status_code == 302
    assert "LL-4711" not in rival.get(change.url, follow=True).content.decode()


def test_posting_to_another_shops_order_changes_nothing(rival, leinen_order):
    url = reverse("admin:orders_order_change", args=[leinen_order.pk])

    rival.post(url, {"number": "GESTOHLEN", "total": "0.00"})
    rival.post(reverse("admin:orders_order_delete", args=[leinen_order.pk]), {"post": "yes"})

    leinen_order.refresh_from_db()
    assert leinen_order.number == "LL-4711"


def test_an_order_form_offers_and_takes_only_the_owners_own_buyers(rival, swedish_shop, leinen_order):
    own = make_order(swedish_shop, number="LS-1", email="karin.lind@example.se")
    url = reverse("admin:orders_order_change", args=[own.pk])

    page = rival.get(url).content.decode()
    response = rival.post(
        url,
        {
            "shop": swedish_shop.pk,
            "number": "LS-1",
            "buyer": leinen_order.buyer.pk,  # typed in: another shop's buyer
            "placed_at_0": "2026-11-01",
            "placed_at_1": "10:00:00",
            "currency": "SEK",
            "total": "100.00",
            "subtotal": "0",
            "shipping_total": "0",
            "tax_total": "0",
            "sales_channel": "web",
            "shipping_speed": "standard",
        },
    )

    assert "zelda.quarz" not in page
    assert response.status_code == 200  # the form again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert Order.objects.get(pk=own.pk).buyer == own.buyer


def test_buyer_autocomplete_finds_only_the_owners_own_buyers(rival, leinen_order):
    response = rival.get(
        reverse("admin:autocomplete"),
        {"app_label": "orders", "model_name": "order", "field_name": "buyer", "term": "zelda"},
    )

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_shop_filter_names_only_the_owners_own_shops(rival, leinen_order, swedish_shop):
    make_order(swedish_shop, number="LS-1")

    page = rival.get(reverse("admin:orders_order_changelist")).content.decode()

    assert "Linnestugan" in page and "Leinen &amp; Liebe" not in page


def test_an_owner_sets_limits_only_for_their_own_shop_never_for_every_shop(rival, shop, swedish_shop):
    url = reverse("admin:cases_refundlimit_add")
    agents = Group.objects.get(name=AGENTS).pk

    for_every_shop = rival.post(url, {"shop": "", "group": agents, "amount": "5000"})
    for_leinen = rival.post(url, {"shop": shop.pk, "group": agents, "amount": "5000"})
    for_own = rival.post(url, {"shop": swedish_shop.pk, "group": agents, "amount": "2500"})

    assert for_every_shop.status_code == 200 and "This field is required" in for_every_shop.content.decode()
    assert for_leinen.status_code == 200 and "Select a valid choice" in for_leinen.content.decode()
    assert for_own.status_code == 302
    assert list(RefundLimit.objects.values_list("shop__slug", "amount")) == [("linnestugan", Decimal("2500"))]


def test_carriers_are_shared_so_only_a_superuser_changes_them(rival, carrier, client, superuser):
    url = reverse("admin:orders_carrier_change", args=[carrier.pk])

    rival.post(url, {"code": "dhl", "name": "DHL", "tracking_url": "https://phish.example/{tracking_number}"})
    carrier.refresh_from_db()
    assert carrier.tracking_url.startswith("https://www.dhl.de/")
    assert rival.get(reverse("admin:orders_carrier_add")).status_code == 403

    client.force_login(superuser)
    assert client.get(url).status_code == 200


def test_another_shops_matrix_cannot_be_simulated_copied_or_activated(rival, shop):
    matrix = active_matrix(shop)

    simulate = rival.get(reverse("admin:decisions_decisionmatrix_simulate", args=[matrix.pk]))
    draft = rival.post(reverse("admin:decisions_decisionmatrix_draft", args=[matrix.pk]))

    assert (simulate.status_code, draft.status_code) == (404, 404)
    assert shop.decision_matrices.count() == 1


def test_the_csv_import_takes_no_orders_for_another_shop(rival, shop):
    csv = (
        "shop,number,placed_at,total,buyer_email,sku,quantity,unit_price\n"
        "leinen,LL-9,2026-11-01T10:00:00Z,10.00,x@example.de,NAP,1,10.00\n"
    )
    response = rival.post(
        reverse("admin:orders_order_import"),
        {"file": SimpleUploadedFile("orders.csv", csv.encode(), content_type="text/csv")},
    )

    assert "Unknown shop: leinen." in response.content.decode()
    assert not Order.objects.filter(number="LL-9").exists()


def test_agents_of_a_shop_see_its_matrix_and_owners_of_another_do_not(client, shop, agent, swedish_owner):
    matrix = active_matrix(shop)
    agent.is_staff = True
    agent.save()
    url = reverse("admin:decisions_decisionmatrix_change", args=[matrix.pk])

    client.force_login(agent)
    assert client.get(url).status_code == 200
    client.force_login(swedish_owner)
    assert client.get(url).status_code == 302


def test_a_superuser_still_sees_every_shop(client, superuser, leinen_order, swedish_shop):
    make_order(swedish_shop, number="LS-1")
    client.force_login(superuser)

    page = client.get(reverse("admin:orders_order_changelist")).content.decode()

    assert "LL-4711" in page and "LS-1" in page
