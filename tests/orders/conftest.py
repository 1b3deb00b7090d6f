import pytest

from tests.factories import NAPKINS, TABLECLOTH, make_order, track

ORDERS = "/api/v1/orders/"
TRACKING = "/api/v1/tracking-events/"


@pytest.fixture
def napkins_twice(shop, carrier):
    """Napkins on lines 1 and 3 (the second set, two dozen, at the bundle price), a tablecloth on line 2; delivered."""
    order = make_order(
        shop,
        lines=[
            dict(NAPKINS, quantity=1),
            dict(TABLECLOTH, quantity=1),
            dict(NAPKINS, quantity=2, unit_price="19.90"),
        ],
    )
    track(order, "delivered", days_ago=2)
    return order


def order_payload(number="1001", *, shop="leinen", lines=2, tracking_number=None, email="anna@example.de"):
    return {
        "shop": shop,
        "number": number,
        "placed_at": "2026-11-01T10:00:00Z",
        "total": "59.80",
        "shipping_address": {"name": "Anna Kühn", "line1": "Linienstr. 5", "city": "Berlin", "country": "DE"},
        "buyer": {"email": email, "name": "Anna Kühn", "language": "de"},
        "lines": [
            {
                "sku": f"NAP-{position}",
                "title": "Servietten, 12 Stück",
                "quantity": position,
                "unit_price": "14.95",
                "unit_weight_g": 545,
                "personalisation": [{"label": "Monogramm", "value": "A M K"}],
            }
            for position in range(1, lines + 1)
        ],
        "payment": {"method": "card", "reference": f"ch_{number}"},
        "shipments": [{"carrier": "dhl", "tracking_number": tracking_number or f"JJD{number}"}],
    }
