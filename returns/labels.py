"""Return labels: a provider interface, and our own provider that draws a printable PDF.

A carrier provider (PostNord, DHL) would book the return with the carrier and
hand back its label and tracking number; ours draws a label the shop's own
warehouse can scan: the RMA as Code128 and as a QR code for label-free drop-off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from io import BytesIO
from typing import Protocol

import qrcode
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from .models import ReturnPolicy, ReturnRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Label:
    pdf: bytes
    provider: str
    # Set by carrier providers; our own label has no carrier number until the parcel is scanned.
    tracking_number: str = ""
    carrier_code: str = ""
    qr_payload: str = ""


class LabelProvider(Protocol):
    code: str

    def create_label(self, request: ReturnRequest, policy: ReturnPolicy) -> Label: ...


def return_to_lines(policy: ReturnPolicy, request: ReturnRequest) -> list[str]:
    """Where the parcel goes: the shop's return address, else the shop and how to reach it.

    A label with only the shop's name cannot be delivered, and the buyer cannot tell; the
    support contact at least lets the service point or the buyer ask where it should go.
    """
    if policy.has_return_address:
        return policy.return_address_lines
    shop = policy.shop
    logger.warning(
        "Return label %s drawn without a return address: shop %s has none set.", request.rma, shop.slug
    )
    contact = [policy.return_name or shop.name, shop.support_email, shop.support_phone, shop.support_url]
    return [line for line in contact if line]


def qr_payload(request: ReturnRequest) -> str:
    # Only the RMA: any scanner at the service point or the warehouse can look it up.
    return request.rma


def qr_png(payload: str, *, box_size: int = 10) -> bytes:
    """The QR code as PNG, for the portal page the buyer shows at the service point."""
    image = qrcode.make(
        payload, box_size=box_size, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class OwnLabelProvider:
    """Draws the label ourselves: A4, the label in the upper half, packing steps below the cut line."""

    code = "postsale"

    def create_label(self, request: ReturnRequest, policy: ReturnPolicy) -> Label:
        from .selectors import packing_steps

        order = request.order
        language = request.case.language or order.shop.default_language
        payload = qr_payload(request)
        out = BytesIO()
        with translation.override(language):
            pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
            title = _("Return label")
            pdf.setTitle(f"{title} {request.rma}")
            pdf.setAuthor(order.shop.name)
            width, height = A4
            left, top = 15 * mm, height - 15 * mm

            pdf.setFont("Helvetica-Bold", 16)
            pdf.drawString(left, top, f"{title} · {order.shop.name}")
            pdf.setFont("Helvetica-Bold", 22)
            pdf.drawRightString(width - left, top, request.rma)

            self._address(
                pdf, left, top - 15 * mm, _("From"), order.shipping_address_lines or [order.buyer.name]
            )
            self._address(pdf, left, top - 55 * mm, _("To"), return_to_lines(policy, request), bold=True)

            qr_image = qrcode.make(
                payload, box_size=8, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M
            )
            qr_size = 42 * mm
            pdf.drawImage(
                ImageReader(qr_image.get_image()),
                width - left - qr_size,
                top - 12 * mm - qr_size,
                qr_size,
                qr_size,
            )
            pdf.setFont("Helvetica", 8)
            # For the warehouse's scanner: no carrier counter takes this code instead of a paid label.
            pdf.drawCentredString(width - left - qr_size / 2, top - 16 * mm - qr_size, _("RMA number"))

            barcode = code128.Code128(request.rma, barHeight=18 * mm, barWidth=0.45 * mm, humanReadable=True)
            barcode.drawOn(pdf, left, top - 105 * mm)

            pdf.setFont("Helvetica", 9)
            details = [
                (_("Order"), order.number),
                (_("Case"), request.case.reference),
                (_("Method"), request.get_method_display()),
            ]
            for index, (name, value) in enumerate(details):
                pdf.drawString(width / 2 + 10 * mm, top - 70 * mm - index * 5 * mm, f"{name}: {value}")

            cut = height / 2 - 5 * mm
            pdf.setDash(3, 3)
            pdf.line(left, cut, width - left, cut)
            pdf.setDash()
            pdf.setFont("Helvetica", 7)
            pdf.drawString(
                left, cut + 2 * mm, _("Cut along the line and stick the upper part on the parcel.")
            )

            y = cut - 10 * mm
            pdf.setFont("Helvetica-Bold", 12)
            pdf.drawString(left, y, _("In the parcel"))
            pdf.setFont("Helvetica", 10)
            for line in request.lines.select_related("order_line"):
                y -= 5.5 * mm
                pdf.drawString(
                    left, y, f"{line.quantity} × {line.order_line.sku} · {line.order_line.title}"[:95]
                )
            y -= 10 * mm
            pdf.setFont("Helvetica-Bold", 12)
            pdf.drawString(left, y, _("How to pack"))
            pdf.setFont("Helvetica", 10)
            for number, step in enumerate(packing_steps(policy, language=language, method=request.method), 1):
                for part_index, part in enumerate(_wrap(step, 95)):
                    y -= 5.5 * mm
                    prefix = f"{number}. " if part_index == 0 else "    "
                    pdf.drawString(left, y, prefix + part)
            pdf.showPage()
            pdf.save()
        return Label(pdf=out.getvalue(), provider=self.code, qr_payload=payload)

    @staticmethod
    def _address(pdf, x, y, title, lines, *, bold=False):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(x, y, title.upper())
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", 13 if bold else 11)
        for index, line in enumerate(lines[:6]):
            pdf.drawString(x, y - (index + 1) * 6 * mm, line[:60])


def _wrap(text: str, width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


PROVIDERS: dict[str, type] = {OwnLabelProvider.code: OwnLabelProvider}


def label_provider() -> LabelProvider:
    code = getattr(settings, "POSTSALE_RETURN_LABEL_PROVIDER", OwnLabelProvider.code)
    return PROVIDERS[code]()
