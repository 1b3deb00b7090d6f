"""The evidence bundle for a chargeback or A-to-z dispute, as one PDF for the payment provider.

Payment providers decide disputes on paper: what was ordered and paid, when the
parcel left, where it went, who signed, and what the buyer and shop wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from cases.models import Case
from claims.evidence import WEIGHT_VERDICTS
from claims.letter import _image, _read
from claims.models import ClaimPhoto
from config.pdf import fact_table as _table
from config.pdf import when as _when
from integrations.services.dispute_evidence import register_bundle
from messaging.models import Audience, InboundMessage, OutboundMessage
from orders.models import ShipmentPhoto

MAX_PHOTOS = 12


@dataclass(frozen=True)
class BundleMessage:
    when: datetime
    direction: str
    subject: str
    text: str


def buyer_conversation(case: Case) -> list[BundleMessage]:
    """What the buyer and the shop wrote to each other about this order, on any of its cases.

    The provider reads this as the shop's case: mail to the shop's owners (an escalation, a
    dispute notice) is internal and never in it, nor an e-mail that never left the outbox.
    The buyer's words on the order's other cases (a claim before the chargeback) are.
    """
    cases = Case.objects.filter(order=case.order_id) if case.order_id else Case.objects.filter(pk=case.pk)
    sent = OutboundMessage.objects.filter(
        case__in=cases, audience=Audience.BUYER, sent_at__isnull=False
    ).only("sent_at", "subject", "body_text")
    received = (
        InboundMessage.objects.filter(case__in=cases, auto_submitted=False)
        # An owner answering an internal notification writes to us, not to the buyer.
        .exclude(in_reply_to__audience=Audience.OWNER)
        .only("received_at", "subject", "body")
    )
    messages = [BundleMessage(m.sent_at, _("Shop → buyer"), m.subject, m.body_text) for m in sent]
    messages += [BundleMessage(m.received_at, _("Buyer → shop"), m.subject, m.body) for m in received]
    return sorted(messages, key=lambda message: message.when)


def _weight_check(case: Case, claim, body, heading) -> list:
    """The parcel's weight against the order's: the strongest answer to "something was missing"."""
    weight = (claim.evidence or {}).get("weight") if claim is not None else None
    if not weight or weight.get("measured_g") is None:
        return []

    def grams(key):
        value = weight.get(key)
        return f"{value} g" if value is not None else "–"

    verdict = weight.get("verdict") or "unknown"
    return [
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Weight check")), heading),
        _table(
            [
                [_("Expected packed weight"), grams("expected_g")],
                [_("Measured when shipped"), grams("measured_g")],
                [_("Tolerance"), grams("tolerance_g")],
                [_("Verdict"), Paragraph(escape(str(WEIGHT_VERDICTS.get(verdict, verdict))), body)],
            ],
            widths=[45 * mm, 120 * mm],
        ),
    ]


def _photos(case: Case, body, heading) -> list:
    """The buyer's photos on the order's claims and the shop's packing photos."""
    if not case.order_id:
        return []
    pictures = [
        (_("Photo from the buyer"), photo.file)
        for photo in ClaimPhoto.objects.filter(claim__case__order=case.order_id).order_by("pk")
    ]
    pictures += [
        (photo.caption or _("Packing photo"), photo.image)
        for photo in ShipmentPhoto.objects.filter(shipment__order=case.order_id).order_by("pk")
    ]
    shown = []
    for caption, field in pictures[:MAX_PHOTOS]:
        data = _read(field)
        image = _image(data) if data else None
        if image is not None:
            shown.append([image, Paragraph(escape(str(caption)), body)])
    if not shown:
        return []
    return [
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Photos")), heading),
        Table(
            shown, colWidths=[85 * mm, 85 * mm], hAlign="LEFT", style=[("VALIGN", (0, 0), (-1, -1), "TOP")]
        ),
    ]


def _label_images(shipments, body, heading) -> list:
    """A label copy that is a picture goes in the page; a PDF one is appended whole (`_with_label_pdfs`)."""
    story = []
    for shipment in shipments:
        story += [
            Spacer(1, 4 * mm),
            Paragraph(escape(f"{_('Label copy')} {shipment.tracking_number}"), heading),
        ]
        data = _read(shipment.label_document)
        image = _image(data) if data else None
        if image is not None:
            story.append(image)
        else:
            story.append(Paragraph(escape(_("The label copy follows on the next pages.")), body))
    return story


def _with_label_pdfs(pdf: bytes, shipments) -> bytes:
    """The carrier's own label PDFs after the bundle's pages, as they are: the provider sees the original."""
    writer = None
    for shipment in shipments:
        data = _read(shipment.label_document)
        if not data or not data.startswith(b"%PDF"):
            continue
        try:
            label = PdfReader(BytesIO(data))
            pages = list(label.pages)
        except PdfReadError:
            continue  # a broken label file must not cost the shop its whole bundle
        if writer is None:
            writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
        for page in pages:
            writer.add_page(page)
    if writer is None:
        return pdf
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def evidence_bundle_pdf(case: Case) -> bytes:
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    order = case.order
    claim = getattr(case, "claim", None)
    story: list = [
        Paragraph(escape(_("Evidence for dispute, case %(ref)s") % {"ref": case.reference}), styles["Title"]),
        Paragraph(escape(f"{case.shop.name} · {case.shop.support_email} · {case.shop.support_phone}"), body),
    ]
    if claim is not None and claim.dispute_provider:
        story.append(
            _table(
                [
                    [_("Provider"), claim.dispute_provider],
                    [_("Dispute reference"), claim.dispute_reference or "–"],
                    [_("Reason given"), claim.dispute_reason or "–"],
                    [_("Amount"), f"{claim.dispute_amount or '–'} {case.currency}"],
                    [_("Respond by"), _when(claim.respond_by)],
                ],
                widths=[45 * mm, 120 * mm],
            )
        )

    if order is not None:
        story += [Spacer(1, 4 * mm), Paragraph(escape(_("Order")), heading)]
        story.append(
            _table(
                [
                    [_("Order number"), order.number],
                    [_("Placed"), _when(order.placed_at)],
                    [_("Buyer"), f"{order.buyer.name} <{order.buyer.email}>"],
                    [_("Ship to"), ", ".join(order.shipping_address_lines)],
                    [_("Total"), f"{order.total} {order.currency}"],
                ],
                widths=[45 * mm, 120 * mm],
            )
        )
        lines = [[_("Qty"), _("Item"), _("Unit price"), _("Personalisation as entered")]]
        for line in order.lines.all():
            personal = "; ".join(f"{f.get('label')}: {f.get('value')}" for f in line.personalisation or [])
            lines.append(
                [
                    str(line.quantity),
                    Paragraph(escape(line.title), body),
                    str(line.unit_price),
                    Paragraph(escape(personal), body),
                ]
            )
        story += [Spacer(1, 2 * mm), _table(lines, widths=[12 * mm, 70 * mm, 25 * mm, 60 * mm])]
        payments = [[_("Payment"), _("Amount"), _("Status"), _("Reference"), _("Cleared")]]
        payments += [
            [
                p.get_method_display(),
                str(p.amount),
                p.get_status_display(),
                p.reference or "–",
                _when(p.cleared_at),
            ]
            for p in order.payments.all()
        ]
        story += [Spacer(1, 2 * mm), _table(payments)]

        for shipment in order.shipments.all():
            story += [
                Spacer(1, 4 * mm),
                Paragraph(
                    escape(f"{_('Parcel')} {shipment.carrier.name} {shipment.tracking_number}"), heading
                ),
            ]
            story.append(
                _table(
                    [
                        [_("Shipped"), _when(shipment.shipped_at)],
                        [_("Delivered"), _when(shipment.delivered_at)],
                        [_("Delivery place"), shipment.delivery_location or "–"],
                        [_("Signed by"), shipment.signed_by or "–"],
                        [_("Signature required"), _("yes") if shipment.signature_required else _("no")],
                        [
                            _("Measured weight"),
                            f"{shipment.packed_weight_g} g" if shipment.packed_weight_g else "–",
                        ],
                        [_("Tracking link"), shipment.tracking_link or "–"],
                    ],
                    widths=[45 * mm, 120 * mm],
                )
            )
            events = [[_("When"), _("Status"), _("Where"), _("Carrier's words")]]
            events += [
                [
                    _when(e.occurred_at),
                    e.get_status_display(),
                    e.location or "",
                    Paragraph(escape(e.description or e.carrier_status or ""), body),
                ]
                for e in shipment.events.order_by("occurred_at", "id")
            ]
            story += [Spacer(1, 2 * mm), _table(events, widths=[30 * mm, 30 * mm, 35 * mm, 70 * mm])]

    story += _weight_check(case, claim, body, heading)
    story += [Spacer(1, 4 * mm), Paragraph(escape(_("Messages between the buyer and the shop")), heading)]
    messages = buyer_conversation(case)
    if not messages:
        story.append(Paragraph(escape(_("No messages on this order.")), body))
    for message in messages:
        story.append(
            Paragraph(
                f"<b>{escape(_when(message.when))} · {escape(str(message.direction))}</b>"
                f" · {escape(message.subject or '')}",
                body,
            )
        )
        story.append(Paragraph(escape(message.text or "").replace("\n", "<br/>"), body))
    story += _photos(case, body, heading)
    labels = [s for s in order.shipments.all() if s.label_document] if order is not None else []
    story += _label_images(labels, body, heading)

    buffer = BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{case.reference} evidence", leftMargin=18 * mm, rightMargin=18 * mm
    ).build(story)
    return _with_label_pdfs(buffer.getvalue(), labels)


def register() -> None:
    """The worker that sends a dispute's evidence to Stripe draws the same bundle the desk offers."""
    register_bundle(evidence_bundle_pdf)
