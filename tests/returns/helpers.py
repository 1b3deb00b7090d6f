"""Return requests made through the real services."""

from cases.models import OpenedVia
from returns import services
from returns.eligibility import LineIn
from tests.factories import NAPKINS

TABLECLOTH = {
    "sku": "TISCH-LEIN-160",
    "title": "Tischdecke Leinen 160 cm",
    "unit_price": "89.00",
    "unit_weight_g": 900,
}


def line(order, sku=NAPKINS["sku"], quantity=1, reason="changed_mind"):
    return LineIn(order_line=order.lines.get(sku=sku), quantity=quantity, reason=reason)


def request_return(
    order, *lines, method="drop_off", resolution="refund", opened_via=OpenedVia.PORTAL, **kwargs
):
    return services.return_request(
        order=order,
        lines=list(lines) or [line(order)],
        method=method,
        resolution=resolution,
        opened_via=opened_via,
        **kwargs,
    )
