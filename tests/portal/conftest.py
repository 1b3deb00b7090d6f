import re

import pytest

from orders import links
from orders.models import Carrier
from tests.factories import DUVET, MONOGRAM_TOWELS, NAPKINS, RUNNER, TABLECLOTH, make_order, track


@pytest.fixture
def de_order(shop, carrier):
    """Leinen & Liebe (German): 2 napkin sets, a tablecloth and monogrammed towels, delivered 3 days ago."""
    order = make_order(
        shop,
        email="Anna.Berg@example.de",
        lines=[dict(NAPKINS, quantity=2), dict(TABLECLOTH, quantity=1), dict(MONOGRAM_TOWELS, quantity=1)],
    )
    track(order, "in_transit", days_ago=4, location="Bielefeld")
    track(order, "delivered", days_ago=3, location="Berlin")
    return order


@pytest.fixture
def postnord(db):
    return Carrier.objects.create(
        code="postnord",
        name="PostNord",
        tracking_url="https://www.postnord.se/vara-verktyg/spara-brev-paket-och-pall?shipmentId={tracking_number}",
    )


@pytest.fixture
def se_order(swedish_shop, postnord):
    """Linnestugan (Swedish): two duvet sets (5.8 kg: heavy enough for pickup) and a runner, delivered yesterday."""
    order = make_order(
        swedish_shop,
        email="lena.holm@telia.example",
        language="sv",
        carrier="postnord",
        ship_country="SE",
        lines=[dict(DUVET, quantity=2), dict(RUNNER, quantity=1)],
        shipping_total="59.00",
    )
    track(order, "delivered", days_ago=1, location="Bollnäs")
    return order


def scope(client, order):
    """Open the order the way an e-mail link does."""
    response = client.get(links.portal_link(order).split("127.0.0.1:8000", 1)[-1].split("?")[0])
    assert response.status_code == 302
    return response


def follow(client, response):
    """The page a redirect leads to."""
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])


def lookup(client, order_or_shop, number, email, **extra):
    shop = getattr(order_or_shop, "shop", order_or_shop)
    return client.post(f"/portal/{shop.slug}/", {"number": number, "email": email}, **extra)


def page_without_csrf(response) -> str:
    """The page as text without its CSRF token, which differs on every answer."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
