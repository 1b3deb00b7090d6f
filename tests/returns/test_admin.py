"""The returns admin: stored reasons in the reader's language, and a return address whole or not at all."""

import pytest
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import translation

from returns import services
from returns.admin import RETURN_ADDRESS_FIELDS, ReturnPolicyForm, ReturnRequestForm
from returns.models import NOTHING_ACCEPTED, ReturnPolicy, ReturnRequest
from returns.services import InspectLine
from tests.factories import NAPKINS, make_return

pytestmark = pytest.mark.django_db


GERMAN = "Bei der Prüfung wurde nichts angenommen."


@pytest.fixture
def rejected(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 0, "damaged")])
    request.refresh_from_db()
    return request


def test_the_reason_inspection_stored_is_shown_in_the_readers_language(client, owner, rejected):
    client.force_login(owner)

    page = client.get(
        reverse("admin:returns_returnrequest_change", args=[rejected.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )

    assert page.status_code == 200
    assert GERMAN in page.content.decode()


def test_saving_the_form_unchanged_keeps_the_reason_in_english(rejected):
    Form = modelform_factory(ReturnRequest, form=ReturnRequestForm, fields=["reject_reason"])
    with translation.override("de"):
        assert Form(instance=rejected).initial["reject_reason"] == GERMAN
        form = Form({"reject_reason": GERMAN}, instance=rejected)
        assert form.is_valid(), form.errors
        form.save()

    rejected.refresh_from_db()
    assert rejected.reject_reason == NOTHING_ACCEPTED


def test_a_reason_an_agent_typed_is_shown_and_kept_as_typed(rejected):
    ReturnRequest.objects.filter(pk=rejected.pk).update(reject_reason="Fleck auf dem Stoff")
    rejected.refresh_from_db()
    Form = modelform_factory(ReturnRequest, form=ReturnRequestForm, fields=["reject_reason"])

    with translation.override("de"):
        assert Form(instance=rejected).initial["reject_reason"] == "Fleck auf dem Stoff"


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


def test_carrier_labels_are_refused_without_a_return_address():
    form_class = modelform_factory(
        ReturnPolicy, form=ReturnPolicyForm, fields=[*RETURN_ADDRESS_FIELDS, "label_source"]
    )

    without = form_class(data={"label_source": "easypost"})
    with_address = form_class(
        data={
            "label_source": "easypost",
            "return_line1": "Lagerweg 3",
            "return_postal_code": "10245",
            "return_city": "Berlin",
        }
    )

    assert not without.is_valid() and list(without.errors) == ["label_source"]
    assert with_address.is_valid(), with_address.errors
