"""Turn an outbox row into subject, text and HTML in the reader's language.

Runs in the worker at send time, so the e-mail tells what is true when it
leaves (the refund's expected date, the parcel's delivery place), in the
language the buyer has now.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import css_inline
from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.template import Context, TemplateSyntaxError, VariableDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe

from cases.models import Case
from cases.verbs import reason_sentence
from orders.links import portal_link

from .formats import as_money, greeting
from .models import AgentSignature, Audience, BuyerEvent, EmailTemplateOverride, OutboundMessage
from .overrides import OVERRIDE_ENGINE

logger = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en"
SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}
FEEDBACK_SALT = "messaging.feedback"
DATE_KEYS = (
    "respond_by",
    "return_deadline",
    "refund_expected",
    "delivered_at",
    "claim_deadline",
    "pickup_date",
)


@dataclass
class Rendered:
    language: str
    subject: str
    text: str
    html: str


def buyer_language(case: Case) -> str:
    """The language the case's buyer reads: theirs, else the shop's, else English."""
    buyer = case.buyer or (case.order.buyer if case.order_id else None)
    for code in (buyer.language if buyer else "", case.shop.default_language):
        if code in SUPPORTED_LANGUAGES:
            return code
    return FALLBACK_LANGUAGE


def message_language(message: OutboundMessage) -> str:
    """The buyer's language, else the shop's, else English; a parcel's e-mail (no case) reads the order's buyer."""
    if message.audience == Audience.BUYER:
        if message.case is not None:
            return buyer_language(message.case)
        buyer = message.shipment.order.buyer
        if buyer.language in SUPPORTED_LANGUAGES:
            return buyer.language
    code = message.shop.default_language
    return code if code in SUPPORTED_LANGUAGES else FALLBACK_LANGUAGE


def feedback_token(case: Case) -> str:
    return signing.dumps(case.pk, salt=FEEDBACK_SALT, compress=True)


def feedback_links(case: Case) -> list[dict]:
    token = feedback_token(case)
    return [
        {
            "rating": n,
            "stars": "★" * n,
            "url": settings.SITE_URL + reverse("messaging:feedback", args=[token, n]),
        }
        for n in range(5, 0, -1)
    ]


def _shipment(case: Case):
    try:
        claim = case.claim
    except ObjectDoesNotExist:
        claim = None
    if claim is not None and claim.shipment_id:
        return claim.shipment
    if case.order_id:
        return case.order.shipments.select_related("carrier").order_by("-shipped_at", "-id").first()
    return None


def case_context(case: Case) -> dict:
    """What every e-mail may say about the case, read fresh from the database."""
    shop = case.shop
    if case.order_id:
        # The order's shop and buyer are (nearly always) the case's: no need to load them again.
        order = case.order
        if order.shop_id == shop.pk:
            order.shop = shop
        if case.buyer_id and order.buyer_id == case.buyer_id:
            order.buyer = case.buyer
    buyer = case.buyer or (case.order.buyer if case.order_id else None)
    context = {
        "shop_name": shop.name,
        "support_email": shop.support_email,
        "support_phone": shop.support_phone,
        "support_url": shop.support_url,
        "case_reference": case.reference,
        "case_subject": case.subject,
        "buyer_name": (buyer.name if buyer else "") or "",
        "buyer_salutation": buyer.salutation if buyer else "",
        "buyer_first_name": buyer.first_name if buyer else "",
        "buyer_last_name": buyer.last_name if buyer else "",
        "greeting_style": shop.greeting_style,
        "order_number": case.order.number if case.order_id else "",
        "portal_url": settings.SITE_URL + "/portal/",
        # A signed link that opens just this order in the portal, in the buyer's language.
        "order_link": portal_link(case.order) if case.order_id else "",
        "desk_url": settings.SITE_URL + f"/desk/cases/{case.reference}/",
        "currency": case.currency,
    }
    shipment = _shipment(case)
    if shipment is not None:
        context.update(
            carrier_name=shipment.carrier.name,
            tracking_number=shipment.tracking_number,
            tracking_link=shipment.tracking_link,
            delivered_at=shipment.delivered_at,
            delivery_place=shipment.delivery_location,
            signed_by=shipment.signed_by,
        )
    # A replacement parcel is what the buyer waits for now: its tracking replaces the original's.
    resolution = (
        case.resolutions.filter(replacement__isnull=False).select_related("replacement__carrier").last()
        if hasattr(case, "resolutions")
        else None
    )
    if resolution is not None:
        context.update(
            carrier_name=resolution.replacement.carrier.name,
            tracking_number=resolution.replacement.tracking_number,
            tracking_link=resolution.replacement.tracking_link,
            with_return_label=resolution.with_return_label,
        )
    refund = case.refunds.order_by("-created_at", "-id").first()
    if refund is not None:
        context.update(
            refund_amount=refund.amount,
            refund_currency=refund.currency,
            refund_method=refund.get_method_display(),
            refund_method_code=refund.method,
            refund_expected=refund.expected_arrival,
            refund_credit_code=refund.credit_code,
        )
    return context


def agent_signoff(user, *, shop_id: int, language: str) -> dict:
    """The name and signature a buyer reads under an agent's e-mail, in the buyer's language.

    The agent's own for the shop and language, else for the shop, else their full name; never
    the login name, which tells a buyer nothing (and is often "agent").
    """
    rows = {
        row.language: row
        for row in AgentSignature.objects.filter(user=user, shop_id=shop_id, language__in=[language, ""])
    }
    row = rows.get(language) or rows.get("")
    if row is not None:
        return {"agent_name": row.display_name, "agent_signature": row.signature.strip()}
    return {"agent_name": user.get_full_name(), "agent_signature": ""}


def shipment_context(shipment) -> dict:
    """What an e-mail about a parcel (not a case) may say: the shop, the order and the parcel now."""
    order = shipment.order
    shop, buyer = order.shop, order.buyer
    return {
        "shop_name": shop.name,
        "support_email": shop.support_email,
        "support_phone": shop.support_phone,
        "support_url": shop.support_url,
        "case_reference": "",
        "buyer_name": buyer.name or "",
        "buyer_salutation": buyer.salutation,
        "buyer_first_name": buyer.first_name,
        "buyer_last_name": buyer.last_name,
        "greeting_style": shop.greeting_style,
        "order_number": order.number,
        "order_link": portal_link(order),
        "portal_url": settings.SITE_URL + "/portal/",
        "currency": order.currency,
        "carrier_name": shipment.carrier.name,
        "tracking_number": shipment.tracking_number,
        "tracking_link": shipment.tracking_link,
        "delivered_at": shipment.delivered_at,
        "delivery_place": shipment.delivery_location,
        "signed_by": shipment.signed_by,
        "estimated_delivery": shipment.estimated_delivery,
        "pickup_point": shipment.pickup_point,
        "pickup_last_day": shipment.pickup_until,
    }


def message_context(message: OutboundMessage, *, language: str | None = None) -> dict:
    if message.case_id is None:
        context = shipment_context(message.shipment)
    else:
        context = case_context(message.case)
    context["recipient_name"] = message.to_name
    context["greeting_name"] = message.to_name or context["buyer_name"]
    context["recipient_is_buyer"] = message.audience == Audience.BUYER
    context["attachment_names"] = [a.filename for a in message.attachments.all()]
    if message.author_id:
        context.update(
            agent_signoff(
                message.author,
                shop_id=message.shop.pk,
                language=language or translation.get_language() or FALLBACK_LANGUAGE,
            )
        )
    if message.event == BuyerEvent.FEEDBACK_REQUEST and message.case_id:
        context["feedback_links"] = feedback_links(message.case)
    # What the caller knew at the moment of the change wins over what we look up now.
    context.update(message.context or {})
    if context.get("reason_code"):
        # A reason the system gave (a return's refund waiting for an owner), in the reader's language.
        context["reason"] = reason_sentence(context["reason_code"], context.get("reason_params"))
    for key in DATE_KEYS:
        # JSON has no dates: callers store ISO strings, the templates format real dates.
        if isinstance(context.get(key), str) and context[key]:
            context[key] = parse_datetime(context[key]) or parse_date(context[key]) or context[key]
    return context


def _one_line(text: str) -> str:
    # Not str.split(): that would also break the no-break space Babel puts in "59,20 €".
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()


_overrides: dict = {"loaded_at": -1e9, "rows": {}}
OVERRIDE_CACHE_SECONDS = 30


def _override(event: str, language: str, shop_id: int | None) -> EmailTemplateOverride | None:
    # A worker sends many e-mails a second; the owners' few overrides are read at
    # most every 30 s instead of twice per e-mail. An edit shows up within that time.
    if time.monotonic() - _overrides["loaded_at"] > OVERRIDE_CACHE_SECONDS:
        _overrides["rows"] = {
            (o.shop_id, o.event, o.language): o for o in EmailTemplateOverride.objects.filter(active=True)
        }
        _overrides["loaded_at"] = time.monotonic()
    rows = _overrides["rows"]
    return rows.get((shop_id, event, language)) or rows.get((None, event, language))


def forget_overrides() -> None:
    _overrides["loaded_at"] = -1e9


def _inline(html: str) -> str:
    # Many mail clients drop <style> blocks; inline styles survive them all.
    return css_inline.inline(html)


# Amounts and the currency each is in; they print as money in the reader's language ("59,20 €").
MONEY_KEYS = {
    "refund_amount": "refund_currency",
    "amount": "currency",
    "limit": "currency",
    "invoice_reduced": "currency",
    "invoice_left": "currency",
}


def _localise(context: dict, language: str) -> dict:
    """The context as the reader's language writes it: the greeting, and amounts as money."""
    context = dict(context)
    for key, currency_key in MONEY_KEYS.items():
        if key in context:
            context[key] = as_money(context[key], context.get(currency_key) or context.get("currency", ""))
    if "greeting" not in context:
        # An owner's e-mail is addressed to the owner: the buyer's salutation is not theirs.
        own = not context.get("recipient_is_buyer", True)
        context["greeting"] = greeting(
            language=language,
            style=context.get("greeting_style", "formal"),
            name=context.get("greeting_name") or context.get("buyer_name", ""),
            salutation="" if own else context.get("buyer_salutation", ""),
            first_name="" if own else context.get("buyer_first_name", ""),
            last_name="" if own else context.get("buyer_last_name", ""),
        )
    return context


def text_to_html(text: str):
    """The HTML part of an owner's text: escaped once, paragraphs and links kept, never escaped again."""
    # urlize escapes the text around the links it makes; linebreaks must not escape it a second time.
    return mark_safe(linebreaks(urlize(text, autoescape=True), autoescape=False))


def _render_override(override, context: dict) -> tuple[str, str] | None:
    """Subject and text of an owner's override; None if it cannot render (the default files are used).

    Overrides are checked when saved, but one saved before the checks existed, or made
    in the database, must not stop the e-mail: the buyer gets the default wording instead.
    """
    try:
        render_context = Context(context, autoescape=False)
        subject = OVERRIDE_ENGINE.from_string(override.subject).render(render_context)
        body = OVERRIDE_ENGINE.from_string(override.body).render(Context(context, autoescape=False))
    except (TemplateSyntaxError, VariableDoesNotExist, TypeError, ValueError):
        logger.exception("E-mail text override %s cannot render; the default text is sent", override.pk)
        return None
    return subject, body.strip()


def render_event(
    event: str,
    context: dict,
    *,
    language: str,
    shop_id: int | None = None,
    time_zone: str | None = None,
    override=None,
) -> Rendered:
    """Render one e-mail; `override` (an unsaved EmailTemplateOverride) is what the admin preview shows."""
    # Dates as the shop's buyers read them: a parcel delivered at 23:30 in Stockholm was delivered that day.
    context = _localise(context, language)
    with translation.override(language), timezone.override(time_zone or settings.TIME_ZONE):
        override = override or _override(event, language, shop_id)
        parts = _render_override(override, context) if override is not None else None
        if parts is not None:
            subject, body = parts
            text = body + "\n\n" + render_to_string("emails/_footer.txt", context)
            html = render_to_string("emails/base.html", {**context, "override_html": text_to_html(body)})
        else:
            subject = render_to_string(f"emails/{event}.subject.txt", context)
            text = render_to_string(f"emails/{event}.txt", context)
            html = render_to_string(f"emails/{event}.html", context)
    # Paragraphs whose condition was false leave blank lines behind.
    text = re.sub(r"\n[ \t]*(\n[ \t]*){2,}", "\n\n", text).strip() + "\n"
    return Rendered(language=language, subject=_one_line(subject), text=text, html=_inline(html))


def render_message(message: OutboundMessage) -> Rendered:
    language = message_language(message)
    with translation.override(language):
        # Words the context itself carries (a reason the system gave) are in the reader's language too.
        context = message_context(message, language=language)
    return render_event(
        message.event,
        context,
        language=language,
        shop_id=message.shop.pk,
        time_zone=message.shop.time_zone,
    )


def sample_context(shop=None) -> dict:
    """Made-up but plausible values, for previews of an e-mail text in the admin."""
    from datetime import date, datetime, timedelta
    from decimal import Decimal

    now = timezone.now()
    return {
        "shop_name": shop.name if shop else "Leinen & Liebe",
        "support_email": shop.support_email if shop else "hilfe@leinen.example",
        "support_phone": shop.support_phone if shop else "",
        "support_url": shop.support_url if shop else "",
        "case_reference": f"C-{now:%Y}-000123",
        "case_subject": "",
        "buyer_name": "Anna Berg",
        "greeting_name": "Anna Berg",
        "recipient_name": "Anna Berg",
        "order_number": "10423",
        "carrier_name": "DHL",
        "tracking_number": "00340434161094042557",
        "tracking_link": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094042557",
        "delivered_at": datetime.combine(date.today() - timedelta(days=2), datetime.min.time()).replace(
            hour=14, minute=32, tzinfo=timezone.get_current_timezone()
        ),
        "delivery_place": "Garage",
        "estimated_delivery": date.today() + timedelta(days=2),
        "pickup_point": "Paketshop Kiosk am Markt, Marktplatz 3, 10115 Berlin",
        "pickup_last_day": date.today() + timedelta(days=7),
        "refund_amount": Decimal("24.90"),
        "refund_currency": shop.currency if shop else "EUR",
        "currency": shop.currency if shop else "EUR",
        "refund_method_code": "original_payment",
        "refund_expected": date.today() + timedelta(days=5),
        "reason": "…",
        "items": [{"title": "Leinenservietten, 12 Stück", "received": 2, "accepted": 2, "note": ""}],
        "all_accepted": True,
        "feedback_links": [
            {"rating": n, "stars": "★" * n, "url": f"{settings.SITE_URL}/feedback/preview/{n}/"}
            for n in range(5, 0, -1)
        ],
        "body": "…",
        "agent_name": "Maria",
        "desk_url": f"{settings.SITE_URL}/desk/",
        "portal_url": f"{settings.SITE_URL}/portal/",
    }
