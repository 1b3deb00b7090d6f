"""CSV files that are safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-`
or `@` as a formula, and a tab or carriage return in front does not stop them.
A product title or shop name that a shop system or buyer chose could then fetch
a URL with the sheet's data (`=HYPERLINK(…)`, `=WEBSERVICE(…)`) or, on old
Excel, start a program (`+cmd|' /C calc'!A0`). As OWASP recommends, such a text
cell is written with a `'` in front: the spreadsheet shows it as text.

Only text is changed. Numbers (int, float, Decimal) are written as they are, so
a negative amount stays a number a sheet can add up; nobody outside Postsale
chooses them. The full-width forms of the four signs are treated alike, since
some spreadsheets read them as the ASCII ones.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """The cell as a spreadsheet should see it: text that could start a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer's writerow and writerows, with every cell passed through `safe_cell`."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file, **kwargs) -> SafeWriter:
    """Use it wherever Postsale writes a CSV for people: `csv_writer(response).writerows(rows)`."""
    return SafeWriter(file, **kwargs)
