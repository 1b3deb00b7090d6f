"""Finding an order from what a caller says: its number, their name or e-mail, a tracking number.

Orders with and without a case: a phone call about an order nobody wrote about yet starts here.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.lookups import IContains

from cases.models import OPEN_STATUSES, Case
from cases.search import Unaccent, fold
from orders import tenancy
from orders.models import Order, Shipment

RESULTS = 20


def orders_matching(user, q: str) -> list[Order]:
    """Up to 20 orders of the user's shops that match, newest first, with their parcels and open cases.

    Four queries whatever the number of orders: the orders with shop and buyer, their parcels,
    their open cases (and the ids of the user's shops, cached per request by tenancy).
    """
    q = q.strip()[:100]
    if len(q) < 2:
        return []
    return list(_matching(tenancy.in_shops(Order.objects.all(), user), q)[:RESULTS])


def _matching(orders: QuerySet[Order], q: str) -> QuerySet[Order]:
    # The number as buyers say it: without the shop's prefix, in lower case ("47110815", "ll-4711").
    match = (
        Q(number__icontains=q)
        | Q(buyer__email__icontains=q)
        | Q(buyer__name__icontains=q)
        | Q(ship_name__icontains=q)
        | Exists(Shipment.objects.filter(order_id=OuterRef("pk"), tracking_number__iexact=q))
    )
    if connection.vendor == "postgresql":
        # "Kroger" finds "Kröger": the name without its accents against the query without its own.
        match |= Q(IContains(Unaccent("buyer__name"), fold(q)))
    return (
        orders.filter(match)
        .select_related("shop", "buyer")
        .prefetch_related(
            Prefetch("shipments", queryset=Shipment.objects.select_related("carrier").order_by("id")),
            Prefetch(
                "cases",
                queryset=Case.objects.filter(status__in=OPEN_STATUSES).order_by("id"),
                to_attr="open_cases",
            ),
        )
        .order_by("-placed_at", "-id")
    )
