"""Finding an order from what a caller says: its number, their name or e-mail, a tracking number.

Orders with and without a case: a phone call about an order nobody wrote about yet starts here.
Each kind of match is its own small query over an index (orders migration 0012): one OR over
three tables made PostgreSQL read every order.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Func, Prefetch, Q, TextField
from django.db.models.lookups import IContains

from cases.models import OPEN_STATUSES, Case
from cases.search import fold
from orders import tenancy
from orders.models import Buyer, Order, Shipment

RESULTS = 20


class FoldedName(Func):
    """The buyer's name without accents, as orders migration 0012 indexes it (PostgreSQL)."""

    function = "postsale_unaccent"
    output_field = TextField()


def orders_matching(user, q: str) -> list[Order]:
    """Up to 20 orders of the user's shops that match, newest first, with their parcels and open cases.

    Six queries whatever the number of orders: the orders matching by number, by buyer and by
    tracking number (ids only), then the orders with shop and buyer, their parcels, their open cases.
    """
    q = q.strip()[:100]
    if len(q) < 2:
        return []
    orders = tenancy.in_shops(Order.objects.all(), user)
    newest = ("-placed_at", "-id")
    # The number as buyers say it: without the shop's prefix, in lower case ("47110815", "ll-4711").
    ids = list(orders.filter(number__icontains=q).order_by(*newest).values_list("pk", flat=True)[:RESULTS])
    if connection.vendor == "postgresql":
        # "Kroger" finds "Kröger": the name without its accents against the query without its own.
        by_name = Q(IContains(FoldedName("name"), fold(q)))
    else:
        by_name = Q(name__icontains=q)
    buyers = tenancy.in_shops(Buyer.objects.filter(Q(email__icontains=q) | by_name), user)
    ids += (
        orders.filter(buyer__in=buyers.values("pk")[:200])
        .order_by(*newest)
        .values_list("pk", flat=True)[:RESULTS]
    )
    parcels = tenancy.in_shops(Shipment.objects.filter(tracking_number__iexact=q), user)
    ids += parcels.values_list("order_id", flat=True)[:RESULTS]
    return list(
        Order.objects.filter(pk__in=set(ids))
        .select_related("shop", "buyer")
        .prefetch_related(
            Prefetch("shipments", queryset=Shipment.objects.select_related("carrier").order_by("id")),
            Prefetch(
                "cases",
                queryset=Case.objects.filter(status__in=OPEN_STATUSES).order_by("id"),
                to_attr="open_cases",
            ),
        )
        .order_by(*newest)[:RESULTS]
    )
