"""A dashboard chart: a table the page draws as bars or trend lines (SVG) and the CSV download writes as rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

CENT = Decimal("0.01")
# The trend lines' drawing area in SVG user units; the page scales it to the panel's width.
WIDTH, HEIGHT = 600, 160


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
    # "lines": a trend over `x_column` (the period), one line per column in `series`.
    kind: str = "bars"
    series: list[int] = field(default_factory=list)
    x_column: int = 0
    # Every period of the range in order, so a day without a row is drawn as 0, not skipped.
    periods: list[str] = field(default_factory=list)

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

    @property
    def lines(self) -> list[dict]:
        """One panel per scale group (a currency, a shop): its polylines as SVG point lists."""
        groups: dict = {}
        for row in self.rows:
            groups.setdefault(row[self.scale_column] if self.scale_column is not None else "", []).append(row)
        x = self.x_column
        periods = self.periods or sorted({row[x] for row in self.rows})
        position = {period: index for index, period in enumerate(periods)}
        step = WIDTH / max(len(periods) - 1, 1)
        panels = []
        for group, rows in groups.items():
            largest = max((float(row[c] or 0) for row in rows for c in self.series), default=0) or 1
            series = []
            for number, column in enumerate(self.series):
                values = [0.0] * len(periods)
                for row in rows:
                    if row[x] in position:
                        values[position[row[x]]] = float(row[column] or 0)
                points = " ".join(
                    f"{index * step:.1f},{HEIGHT - value / largest * HEIGHT:.1f}"
                    for index, value in enumerate(values)
                )
                series.append({"name": self.columns[column], "points": points, "number": number})
            panels.append(
                {
                    "group": group,
                    "series": series,
                    "top": _tick(largest),
                    "first": periods[0] if periods else "",
                    "last": periods[-1] if periods else "",
                }
            )
        return panels


def _tick(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def money(value) -> Decimal:
    # SQLite sums decimals with trailing digits; money shows in cents.
    return Decimal(value or 0).quantize(CENT)


def percent(rate) -> float:
    """A rate (0.125) as the percentage a person reads (12.5)."""
    return round(float(rate or 0) * 100, 1)
