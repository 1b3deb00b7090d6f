"""Who may see which order in the portal: one order per shop per browser session.

A buyer gets there by proving they know the order (its number and the e-mail
address it was placed with) or by a signed, expiring link from one of our
e-mails. Either way the session then holds that single order id under the
shop, and every portal page checks the order in its URL against it.
"""

from __future__ import annotations

from django.utils.crypto import constant_time_compare

from orders.models import Order, Shop

SESSION_KEY = "portal_orders"
# Compared against when the order does not exist, so a miss costs what a hit costs.
_NOBODY = "nobody@invalid.invalid"


def normalise_number(number: str) -> str:
    return number.strip().lstrip("#").strip()


def _shop_prefix(shop: Shop) -> str:
    """The letters the shop puts before its order numbers ("LL-" of "LL-24101"), read off its latest order.

    Buyers type "24101" or "ll-24101" from memory; the shop system prints "LL-24101".
    """
    latest = Order.objects.filter(shop=shop).order_by("-placed_at").values_list("number", flat=True).first()
    digits = next((i for i, char in enumerate(latest or "") if char.isdigit()), 0)
    return (latest or "")[:digits]


def number_candidates(shop: Shop, number: str) -> list[str]:
    """What the typed number may stand for: as typed, in capitals, and with the shop's prefix."""
    typed = normalise_number(number)
    prefix = _shop_prefix(shop)
    spellings = [typed, typed.upper()]
    if prefix and not typed.upper().startswith(prefix.upper()):
        spellings += [prefix + typed, prefix + typed.upper()]
    return list(dict.fromkeys(spellings))


def order_lookup(*, shop: Shop, number: str, email: str) -> Order | None:
    """The order if number and e-mail belong together, else None.

    The same two queries and one comparison per candidate whether or not an order exists, so
    timing does not tell which numbers are real.
    """
    orders = list(
        Order.objects.select_related("buyer").filter(shop=shop, number__in=number_candidates(shop, number))
    )
    found = None
    for order in orders or [None]:
        stored = order.buyer.email if order else _NOBODY
        if constant_time_compare(stored.strip().casefold(), email.strip().casefold()) and order is not None:
            found = found or order
    return found


def scope_to(request, order: Order) -> None:
    """From now on this browser sees this order of the shop, and no other order of it."""
    scopes = dict(request.session.get(SESSION_KEY) or {})
    # A fresh session id whenever a buyer proves who they are: a planted cookie gains nothing.
    request.session.cycle_key()
    scopes[str(order.shop_id)] = order.pk
    request.session[SESSION_KEY] = scopes


def scoped_order_id(request, shop: Shop) -> int | None:
    return (request.session.get(SESSION_KEY) or {}).get(str(shop.pk))


def forget(request, shop: Shop) -> None:
    scopes = dict(request.session.get(SESSION_KEY) or {})
    scopes.pop(str(shop.pk), None)
    request.session[SESSION_KEY] = scopes
