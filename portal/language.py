"""Which language a buyer-facing page speaks: the portal's pages and the public policy page alike."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

from orders.models import Shop

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def page_language(request, shop: Shop | None) -> tuple[str, bool]:
    """?lang= (remembered in the language cookie), else the cookie, else the browser, else the shop's.

    The bool says whether the choice came from ?lang= and should be remembered.
    """
    asked = request.GET.get("lang", "")
    if asked in LANGUAGES:
        return asked, True
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in LANGUAGES:
        return cookie, False
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code[:2].lower() in LANGUAGES:
            return code[:2].lower(), False
    # Without any hint a buyer of a German shop is most likely German: the shop's language, not ours.
    return (shop.default_language if shop else settings.LANGUAGE_CODE), False
