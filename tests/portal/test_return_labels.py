"""The portal's return page says what the buyer must do with the label they got."""

import pytest
from django.urls import reverse

from integrations.services import integration_configure
from returns.models import LabelSource, ReturnPolicy, ReturnRequest
from tests.factories import make_return
from tests.integrations.fake_easypost import API_KEY, FakeEasyPost
from tests.integrations.test_easypost_labels import deliver

from .conftest import lookup

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    server = FakeEasyPost(qr_carriers=("USPS",)).start()
    yield server
    server.stop()


def return_page(client, order, request: ReturnRequest) -> str:
    lookup(client, order, order.number, order.buyer.email)
    url = reverse(
        "portal:return_done", kwargs={"shop": order.shop.slug, "number": order.number, "rma": request.rma}
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def policy(shop, source, **more):
    return ReturnPolicy.objects.create(
        shop=shop,
        label_source=source,
        return_line1="Lagerweg 3",
        return_postal_code="10245",
        return_city="Berlin",
        return_country="DE",
        **more,
    )


def test_a_carrier_qr_code_is_offered_at_that_carriers_service_point(client, shop, de_order, fake):
    integration_configure(shop=shop, source="easypost", secret="whsec", api_key=API_KEY, api_url=fake.url)
    policy(shop, LabelSource.EASYPOST, label_carriers="USPS")
    request = make_return(de_order)
    deliver()
    request.refresh_from_db()

    page = return_page(client, de_order, request)

    assert "Annahmestelle von USPS" in page  # the buyer ordered in German: her page is German
    assert f'href="{request.label_qr_code_url}"' in page
    assert request.tracking_number in page


def test_our_own_label_offers_no_qr_code_and_says_it_has_no_postage(client, shop, de_order):
    policy(shop, LabelSource.OWN)
    request = make_return(de_order)

    page = return_page(client, de_order, request)

    assert 'data-testid="label-link"' in page
    assert 'class="p-qr"' not in page and 'data-testid="qr-link"' not in page
    assert "QR" not in page.split('id="label"')[1].split("</section>")[0]
