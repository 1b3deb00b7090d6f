"""A dashboard chart: a table the page draws as bars and the CSV download writes as rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CENT = Decimal("0.01")


@dataclass
class Chart:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    # Which column the bars are drawn from.
    value_column: int = -1
    # Rows with different values here are drawn to their own scale: bars of
    # SEK amounts next to EUR amounts would say nothing.
    scale_column: int | None = None

    @property
    def max_value(self) -> float:
        values = [float(row[self.value_column] or 0) for row in self.rows]
        return max(values, default=0) or 1

    @property
    def bars(self) -> list[tuple[list, object, str]]:
        """(row, value, bar width in % as a string) per row, each row scaled within its group."""
        group = (lambda row: row[self.scale_column]) if self.scale_column is not None else (lambda row: None)
        largest: dict = {}
        for row in self.rows:
            value = float(row[self.value_column] or 0)
            largest[group(row)] = max(largest.get(group(row), 0.0), value)
        result = []
        for row in self.rows:
            value = row[self.value_column] or 0
            # A string, so the template's number localisation cannot turn 42.5 into "42,5" inside SVG.
            width = f"{100 * float(value) / (largest[group(row)] or 1):.1f}"
            result.append((row, value, width))
        return result


def money(value) -> Decimal:
    # SQLite sums decimals with trailing digits; money shows in cents.
    return Decimal(value or 0).quantize(CENT)


def percent(rate) -> float:
    """A rate (0.125) as the percentage a person reads (12.5)."""
    return round(float(rate or 0) * 100, 1)
