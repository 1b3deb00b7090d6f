"""The few drawing helpers Postsale's PDFs share (a dispute's evidence bundle, a carrier claim letter)."""

from __future__ import annotations

from django.utils import timezone
from reportlab.lib import colors
from reportlab.platypus import Table, TableStyle


def when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "–"


def fact_table(rows, widths=None) -> Table:
    """Label and value rows in small type, the labels greyed: what a clerk scans down."""
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#52606d")),
            ]
        )
    )
    return table
