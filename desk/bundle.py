"""The evidence bundle for a chargeback or A-to-z dispute, as one PDF for the payment provider.

Payment providers decide disputes on paper: what was ordered and paid, when the
parcel left, where it went, who signed, and what the buyer and shop wrote.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from cases.models import Case
from config.pdf import fact_table as _table
from config.pdf import when as _when
from integrations.services.dispute_evidence import register_bundle


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

    story += [Spacer(1, 4 * mm), Paragraph(escape(_("Messages")), heading)]
    messages = [
        (m.sent_at or m.created_at, _("Shop → buyer"), m.subject, m.body_text)
        for m in case.outbound_messages.all()
    ]
    messages += [(m.received_at, _("Buyer → shop"), m.subject, m.body) for m in case.inbound_messages.all()]
    if not messages:
        story.append(Paragraph(escape(_("No messages on this case.")), body))
    for when, direction, subject, text in sorted(messages, key=lambda item: item[0]):
        story.append(
            Paragraph(
                f"<b>{escape(_when(when))} · {escape(str(direction))}</b> · {escape(subject or '')}", body
            )
        )
        story.append(Paragraph(escape(text or "").replace("\n", "<br/>"), body))

    buffer = BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{case.reference} evidence", leftMargin=18 * mm, rightMargin=18 * mm
    ).build(story)
    return buffer.getvalue()


def register() -> None:
    """The worker that sends a dispute's evidence to Stripe draws the same bundle the desk offers."""
    register_bundle(evidence_bundle_pdf)
