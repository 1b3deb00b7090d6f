"""Signed links that open one order in the buyer portal, sent in our e-mails.

Made where e-mails are written (messaging) and read where the portal opens
them, so both sit below either of them, with the orders they open.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

from .models import Order, Shop

LINK_SALT = "postsale.portal.order-link"
# Long enough to cover a return window that starts on delivery, a week or more after the e-mail.
LINK_MAX_AGE = timedelta(days=getattr(settings, "POSTSALE_PORTAL_LINK_DAYS", 30))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def order_token(order: Order) -> str:
    return _signer().sign_object({"o": order.pk, "s": order.shop_id})


def portal_link(order: Order, *, photos_for: str = "") -> str:
    """The absolute link for e-mails: opens this one order in the portal, in the buyer's language.

    `photos_for` (a case reference) opens the page where the buyer adds photos to that case.
    """
    path = reverse("portal:signed_link", kwargs={"shop": order.shop.slug, "token": order_token(order)})
    language = order.buyer.language if order.buyer_id else ""
    query = {key: value for key, value in (("lang", language), ("photos", photos_for)) if value}
    return f"{settings.SITE_URL}{path}" + (f"?{urlencode(query)}" if query else "")


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
