from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.models import RefundLimit
from config.roles import AGENTS
from messaging.models import OutboundMessage
from messaging.rendering import render_message
from orders.models import Order, Product
from returns import services
from tests.factories import NAPKINS, TABLECLOTH, make_order, make_return, return_line, track


@pytest.fixture(autouse=True)
def _agents_may_refund_returns(db):
    # Agents refund within a limit the owner sets; these tests are about returns, not limits
    # (tests/cases/test_approvals.py is), so the agents' limit covers every refund here.
    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("10000"))


@pytest.fixture
def delivered_order(shop, carrier):
    """2 sets of napkins (24.90 €) and a tablecloth (89.00 €), 144.70 € paid with shipping, delivered 3 days ago."""
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2), dict(TABLECLOTH, quantity=1)])
    track(order, "delivered", days_ago=3)
    return order


@pytest.fixture
def history(shop, carrier):
    """Two returns of January's sales on their way back; February's return expired unsent: not a return."""
    january = make_order(shop, lines=[dict(NAPKINS, quantity=2), dict(TABLECLOTH, quantity=1)])
    also_january = make_order(shop, lines=[dict(NAPKINS, quantity=1)], email="b@example.de")
    february = make_order(shop, lines=[dict(NAPKINS, quantity=4)], email="c@example.de")
    for order, reason in ((january, "too_small"), (also_january, "damaged")):
        services.return_mark_in_transit(rma=make_return(order, return_line(order, reason=reason)).rma)
    make_return(february, return_line(february, quantity=4))
    services.return_expire_stale(now=timezone.now() + timedelta(days=60))
    for order, day in ((january, "2026-01-15"), (also_january, "2026-01-31"), (february, "2026-02-10")):
        placed = timezone.make_aware(datetime.fromisoformat(f"{day}T12:00"))
        Order.objects.filter(pk=order.pk).update(placed_at=placed)
    return shop


def mails(request) -> list[str]:
    """The events of the e-mails the return's buyer was sent, oldest first."""
    return list(
        OutboundMessage.objects.filter(case=request.case).order_by("id").values_list("event", flat=True)
    )


def mail_text(request, event) -> str:
    """The latest e-mail of that event, rendered as the worker renders it."""
    message = OutboundMessage.objects.filter(case=request.case, event=event).latest("id")
    return render_message(message).text


def stock(sku) -> int:
    return Product.objects.get(sku=sku).stock_on_hand


def open_return(client, order, *, lines=None, **extra):
    """POST /api/v1/returns/: two sets of napkins, too small, for a refund unless said otherwise."""
    body = {
        "order": {"shop": order.shop.slug, "number": order.number},
        "lines": lines or [{"sku": NAPKINS["sku"], "quantity": 2, "reason": "too_small"}],
        "method": "drop_off",
        "resolution": "refund",
        **extra,
    }
    return client.post("/api/v1/returns/", body, format="json")
