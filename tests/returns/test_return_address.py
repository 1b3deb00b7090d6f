"""Where a return goes: the label's "To" block, the demo shops' addresses and the admin's warning."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from demo import orders as demo
from orders.models import Shop
from returns import services
from returns.admin import ReturnPolicyForm
from returns.models import ReturnPolicy
from tests.factories import make_return

pytestmark = pytest.mark.django_db


def label_text(request) -> str:
    request.refresh_from_db()
    with request.label_pdf.open("rb") as handle:
        return PdfReader(BytesIO(handle.read())).pages[0].extract_text()


def test_the_label_is_addressed_to_the_shops_return_address(shop, delivered_order):
    policy = services.policy_for(shop)
    policy.return_line1 = "Heeper Straße 212"
    policy.return_postal_code = "33607"
    policy.return_city = "Bielefeld"
    policy.save()

    text = label_text(make_return(delivered_order))

    assert "Heeper Straße 212" in text
    assert "33607 Bielefeld" in text


def test_without_a_return_address_the_label_shows_the_shops_support_contact(shop, delivered_order):
    shop.support_phone = "+49 30 23125 640"
    shop.save()

    text = label_text(make_return(delivered_order))

    assert shop.name in text
    assert "hilfe@leinen.example" in text
    assert "+49 30 23125 640" in text


@pytest.mark.parametrize("slug", [demo.DE_SHOP, demo.SE_SHOP])
def test_each_demo_shop_has_a_complete_return_address(slug):
    shop = Shop(slug=slug, name=demo.SHOPS[slug]["name"])
    policy = ReturnPolicy(shop=shop, **demo.RETURN_POLICIES[slug])

    assert policy.has_return_address
    assert len(policy.return_address_lines) >= 4


def policy_form(shop, **address) -> ReturnPolicyForm:
    data = {
        field.name: field.value_from_object(ReturnPolicy(shop=shop))
        for field in ReturnPolicy._meta.fields
        if field.editable and field.name != "id"
    }
    data["shop"] = shop.pk
    return ReturnPolicyForm(
        data={key: value for key, value in {**data, **address}.items() if value is not None}
    )


def test_the_admin_refuses_a_half_filled_return_address(shop):
    form = policy_form(shop, return_line1="Heeper Straße 212")

    assert not form.is_valid()
    assert set(form.errors) == {"return_postal_code", "return_city"}


def test_the_admin_accepts_no_return_address_but_warns(admin_client, shop):
    assert policy_form(shop).is_valid()

    response = admin_client.get("/admin/returns/returnpolicy/add/")

    assert "Printed on every return label" in response.content.decode()


def test_saving_a_policy_without_a_return_address_warns_the_owner(admin_client, shop):
    data = {key: value for key, value in policy_form(shop).data.items()}

    response = admin_client.post("/admin/returns/returnpolicy/add/", data, follow=True)

    assert ReturnPolicy.objects.filter(shop=shop).exists()
    assert "has no return address" in response.content.decode()
