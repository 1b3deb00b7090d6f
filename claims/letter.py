"""The letter a shop sends a carrier to claim for a lost or damaged parcel, with its evidence, as a PDF.

A claims department pays on paper: who claims, for which parcel, by when it had
to be claimed, what it weighed against what the order weighs, what the tracking
says, the photos and the label, and how much is claimed within the carrier's
limit. Written in the language the carrier's claims department reads (German for
the German carriers, Swedish for PostNord and Bring), else in the shop's.
"""

from __future__ import annotations

import logging
from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table

from cases.choices import ClaimType
from config.pdf import fact_table, when
from orders.models import ShipmentPhoto
from returns import public as returns

from . import carrier_terms
from .carrier_terms import DAMAGE_TYPES, DELIVERED
from .evidence import WEIGHT_VERDICTS
from .models import CarrierClaim, CarrierContract

log = logging.getLogger(__name__)

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}
MAX_PHOTOS = 8
PHOTO_BOX = (80 * mm, 60 * mm)
LABEL_WIDTHS = [48 * mm, 122 * mm]


def letter_language(carrier_claim: CarrierClaim) -> str:
    claim = carrier_claim.claim
    order = claim.case.order
    international = bool(order.ship_country) and order.ship_country != claim.case.shop.country
    terms = carrier_terms.terms_for(carrier_claim.carrier.code, international=international)
    for code in ((terms.letter_language if terms else ""), claim.case.shop.default_language):
        if code in SUPPORTED_LANGUAGES:
            return code
    return "en"


def carrier_claim_letter_pdf(carrier_claim: CarrierClaim) -> bytes:
    with (
        translation.override(letter_language(carrier_claim)),
        timezone.override(carrier_claim.claim.case.shop.time_zone),
    ):
        return _build(carrier_claim)


def _image(data: bytes) -> Image | None:
    """A photo scaled into the box, or None for a file that is no image after all."""
    try:
        with PILImage.open(BytesIO(data)) as picture:
            width, height = picture.size
    except (OSError, ValueError):
        return None
    scale = min(PHOTO_BOX[0] / width, PHOTO_BOX[1] / height)
    return Image(BytesIO(data), width=width * scale, height=height * scale)


def _read(field) -> bytes | None:
    # Through the storage, which may be a private bucket: never a path or a public address.
    try:
        with field.storage.open(field.name, "rb") as handle:
            return handle.read()
    except OSError:
        log.warning("Evidence file %s is gone from storage", field.name)
        return None


def _amount(value, currency: str) -> str:
    return f"{formats.number_format(value, 2)} {currency}"


def _build(carrier_claim: CarrierClaim) -> bytes:
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    claim = carrier_claim.claim
    case = claim.case
    shop = case.shop
    order = case.order
    shipment = claim.shipment
    currency = case.currency
    contract = CarrierContract.objects.filter(shop=shop, carrier=carrier_claim.carrier).first()
    if contract is not None and contract.claim_address.strip():
        carrier_address = [line for line in contract.claim_address.strip().splitlines() if line.strip()]
    else:
        carrier_address = list(carrier_terms.CLAIM_ADDRESSES.get(carrier_claim.carrier.code, ()))
        carrier_address = carrier_address or [carrier_claim.carrier.name]
    sender = returns.shop_address_lines(shop)
    contact = [part for part in (shop.support_email, shop.support_phone) if part]

    def lines(items) -> Paragraph:
        return Paragraph("<br/>".join(escape(str(item)) for item in items), body)

    is_damage = claim.type in DAMAGE_TYPES
    title = _("Claim for a damaged parcel") if is_damage else _("Claim for a lost parcel")
    if claim.type == ClaimType.MISSING_ITEMS:
        title = _("Claim for goods missing from a parcel")
    story: list = [
        Table(
            [[lines([*sender, *contact]), lines(carrier_address)]],
            colWidths=[85 * mm, 85 * mm],
            hAlign="LEFT",
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        ),
        Spacer(1, 6 * mm),
        Paragraph(escape(formats.date_format(timezone.localdate(), "DATE_FORMAT")), body),
        Paragraph(escape(title), styles["Title"]),
    ]
    references = [
        [_("Your reference"), carrier_claim.reference or "–"],
        [_("Our reference"), case.reference],
        [_("Order number"), order.number],
        [_("Tracking number"), shipment.tracking_number],
        [_("Service"), shipment.service or carrier_claim.carrier.name],
        [_("Shipped"), when(shipment.shipped_at)],
        [_("Delivered"), when(shipment.delivered_at)],
        [_("Last tracking event"), when(shipment.last_event_at)],
    ]
    if carrier_claim.deadline:
        counted = _("from delivery") if carrier_claim.deadline_from == DELIVERED else _("from shipping")
        references.append(
            [_("Claim deadline"), f"{formats.date_format(carrier_claim.deadline, 'DATE_FORMAT')} ({counted})"]
        )
    story.append(fact_table(references, widths=LABEL_WIDTHS))
    story += [
        Spacer(1, 3 * mm),
        Paragraph(
            escape(
                _(
                    "We shipped the parcel below with you. %(what)s We claim %(amount)s for it and ask you to "
                    "pay this amount. The evidence follows."
                )
                % {
                    "what": _("It arrived damaged or with goods missing.")
                    if is_damage
                    else _("It never reached the recipient."),
                    "amount": _amount(carrier_claim.claimed_amount, currency),
                }
            ),
            body,
        ),
    ]

    story += [Spacer(1, 3 * mm), Paragraph(escape(_("Amount claimed")), heading)]
    affected = list(claim.lines.select_related("order_line"))
    rows = [[_("Qty"), _("Item"), _("Unit price")]]
    if affected:
        rows += [
            [str(cl.quantity), cl.order_line.title, _amount(cl.order_line.unit_price, currency)]
            for cl in affected
        ]
    else:
        rows += [
            [str(line.quantity), line.title, _amount(line.unit_price, currency)] for line in order.lines.all()
        ]
    story.append(fact_table(rows, widths=[15 * mm, 115 * mm, 40 * mm]))
    money = [[_("Amount claimed"), _amount(carrier_claim.claimed_amount, currency)]]
    if carrier_claim.liability_cap is not None:
        money.append([_("Your liability limit"), _amount(carrier_claim.liability_cap, currency)])
    if shipment.insured_value is not None:
        money.append([_("Insured value"), _amount(shipment.insured_value, currency)])
    story += [Spacer(1, 2 * mm), fact_table(money, widths=LABEL_WIDTHS)]

    weight = (claim.evidence or {}).get("weight") or {}
    story += [Spacer(1, 3 * mm), Paragraph(escape(_("Weight check")), heading)]

    def grams(key):
        value = weight.get(key)
        return f"{value} g" if value is not None else "–"

    verdict = weight.get("verdict") or "unknown"
    story.append(
        fact_table(
            [
                [_("Expected packed weight"), grams("expected_g")],
                [_("Measured when shipped"), grams("measured_g")],
                [_("Tolerance"), grams("tolerance_g")],
                [_("Verdict"), Paragraph(escape(str(WEIGHT_VERDICTS.get(verdict, verdict))), body)],
            ],
            widths=LABEL_WIDTHS,
        )
    )

    story += [Spacer(1, 3 * mm), Paragraph(escape(_("Tracking")), heading)]
    events = [[_("When"), _("Status"), _("Where"), _("Carrier's words")]]
    events += [
        [
            when(event.occurred_at),
            event.get_status_display(),
            event.location or "",
            Paragraph(escape(event.description or event.carrier_status or ""), body),
        ]
        for event in shipment.events.order_by("occurred_at", "id")
    ]
    story.append(fact_table(events, widths=[30 * mm, 30 * mm, 35 * mm, 75 * mm]))

    pictures = [(_("Photo from the buyer"), photo.file) for photo in claim.photos.all()]
    pictures += [
        (photo.caption or _("Packing photo"), photo.image)
        for photo in ShipmentPhoto.objects.filter(shipment=shipment).order_by("pk")
    ]
    shown = []
    for caption, field in pictures[:MAX_PHOTOS]:
        data = _read(field)
        image = _image(data) if data else None
        if image is not None:
            shown.append([image, Paragraph(escape(str(caption)), body)])
    if shown:
        story += [Spacer(1, 3 * mm), Paragraph(escape(_("Photos")), heading)]
        story.append(
            Table(
                shown,
                colWidths=[85 * mm, 85 * mm],
                hAlign="LEFT",
                style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
            )
        )

    if shipment.label_document:
        story += [Spacer(1, 3 * mm), Paragraph(escape(_("Label copy")), heading)]
        data = _read(shipment.label_document)
        image = _image(data) if data else None
        if image is not None:
            story.append(image)
        else:
            story.append(Paragraph(escape(_("The label copy is enclosed as a separate document.")), body))

    story += [
        Spacer(1, 6 * mm),
        Paragraph(escape(_("Kind regards")), body),
        Paragraph(escape(shop.name), body),
    ]
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{case.reference} {title}",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    ).build(story)
    return buffer.getvalue()
