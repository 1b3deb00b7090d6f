"""Who may see which order in the portal: one order per shop per browser session.

A buyer gets there by proving they know the order (its number and the e-mail
address it was placed with) or by a signed, expiring link from one of our
e-mails. Either way the session then holds that single order id under the
shop, and every portal page checks the order in its URL against it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from orders.models import Order, Shop

SESSION_KEY = "portal_orders"
LINK_SALT = "postsale.portal.order-link"
# Long enough to cover a return window that starts on delivery, a week or more after the e-mail.
LINK_MAX_AGE = timedelta(days=getattr(settings, "POSTSALE_PORTAL_LINK_DAYS", 30))
# Compared against when the order does not exist, so a miss costs what a hit costs.
_NOBODY = "nobody@invalid.invalid"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def order_token(order: Order) -> str:
    return _signer().sign_object({"o": order.pk, "s": order.shop_id})


def portal_link(order: Order) -> str:
    """The absolute link for e-mails: opens this one order in the portal, in the buyer's language."""
    path = reverse("portal:signed_link", kwargs={"shop": order.shop.slug, "token": order_token(order)})
    language = order.buyer.language if order.buyer_id else ""
    return f"{settings.SITE_URL}{path}" + (f"?lang={language}" if language else "")


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def order_from_token(token: str, *, shop: Shop) -> Order:
    """The order a signed link opens, or LinkExpired / LinkInvalid. A link of another shop is invalid."""
    try:
        data = _signer().unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    if not isinstance(data, dict) or data.get("s") != shop.pk:
        raise LinkInvalid
    order = Order.objects.filter(pk=data.get("o"), shop=shop).first()
    if order is None:
        raise LinkInvalid
    return order


def normalise_number(number: str) -> str:
    return number.strip().lstrip("#").strip()


def order_lookup(*, shop: Shop, number: str, email: str) -> Order | None:
    """The order if number and e-mail belong together, else None: one query and one comparison either way."""
    order = Order.objects.select_related("buyer").filter(shop=shop, number=normalise_number(number)).first()
    stored = order.buyer.email if order else _NOBODY
    matches = constant_time_compare(stored.strip().casefold(), email.strip().casefold())
    return order if order is not None and matches else None


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
