import uuid

import pytest
from django.test import Client

from orders import links
from orders.models import Carrier, Shop
from tests.factories import NAPKINS, make_order, track

TABLECLOTH = {
    "sku": "TISCH-LEIN-160",
    "title": "Tischdecke Leinen 160 cm",
    "unit_price": "89.00",
    "unit_weight_g": 900,
}
MONOGRAM_TOWELS = {
    "sku": "HAND-MONO-3",
    "title": "Handtücher mit Monogramm",
    "unit_price": "39.00",
    "unit_weight_g": 600,
    "personalisation": [{"label": "Monogramm", "value": "ABK"}, {"label": "Garnfarbe", "value": "Salbei"}],
}
DUVET = {
    "sku": "SE-BADD-150",
    "title": "Bäddset linne 150x210",
    "unit_price": "1290.00",
    "unit_weight_g": 2900,
}
RUNNER = {"sku": "SE-LOPARE-40", "title": "Löpare linne 40x150", "unit_price": "349.00", "unit_weight_g": 300}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings, tmp_path):
    """The real cache backend (Redis in CI), but counters of this test's own: no test sees another's attempts."""
    caches = {}
    for name, config in settings.CACHES.items():
        if config["BACKEND"].endswith("FileBasedCache"):
            # A directory of its own: the shared one culls entries when other tests fill it.
            caches[name] = {**config, "LOCATION": str(tmp_path / "cache")}
        else:
            caches[name] = {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}"}
    settings.CACHES = caches


@pytest.fixture
def client():
    # No Accept-Language: the shop's own language applies unless a test asks for another.
    return Client()


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
def se_shop(db):
    return Shop.objects.create(
        slug="linnestugan",
        name="Linnestugan",
        currency="SEK",
        default_language="sv",
        time_zone="Europe/Stockholm",
        country="SE",
        support_email="kundtjanst@linnestugan.example",
    )


@pytest.fixture
def postnord(db):
    return Carrier.objects.create(
        code="postnord",
        name="PostNord",
        tracking_url="https://www.postnord.se/vara-verktyg/spara-brev-paket-och-pall?shipmentId={tracking_number}",
    )


@pytest.fixture
def se_order(se_shop, postnord):
    """Linnestugan (Swedish): two duvet sets (5.8 kg: heavy enough for pickup) and a runner, delivered yesterday."""
    order = make_order(
        se_shop,
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


def lookup(client, order_or_shop, number, email, **extra):
    shop = getattr(order_or_shop, "shop", order_or_shop)
    return client.post(f"/portal/{shop.slug}/", {"number": number, "email": email}, **extra)
