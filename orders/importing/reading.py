"""Reading the CSV file: the header, the delimiter, and the rows numbered as a spreadsheet shows them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from .report import RowError

COLUMNS = (
    "shop",
    "number",
    "placed_at",
    "currency",
    "total",
    "buyer_email",
    "buyer_name",
    "buyer_language",
    "ship_name",
    "ship_line1",
    "ship_postal_code",
    "ship_city",
    "ship_country",
    "needed_by",
    "shipping_speed",
    "sku",
    "title",
    "quantity",
    "unit_price",
    "unit_weight_g",
    "personalisation",
    "payment_method",
    "payment_status",
    "payment_reference",
    "carrier",
    "tracking_number",
    "packed_weight_g",
)
REQUIRED_COLUMNS = ("shop", "number", "placed_at", "total", "buyer_email", "sku", "quantity", "unit_price")


class FileError(Exception):
    """The file as a whole cannot be read; nothing in it is imported."""

    def __init__(self, row_error: RowError):
        super().__init__(str(row_error))
        self.row_error = row_error


def read_rows(file: BinaryIO) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) per row that is not empty; raises FileError for a file it cannot read."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    number = 1
    try:
        header_line = text.readline()
        if not header_line.strip():
            raise FileError(RowError(1, "", "The file is empty; the first line must name the columns."))
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise FileError(RowError(1, missing[0], f"Missing column(s): {', '.join(missing)}."))
        for values in csv.reader(text, delimiter=delimiter):
            number += 1
            if not any(value.strip() for value in values):
                continue
            yield number, {name: value for name, value in zip(header, values, strict=False) if name}
    except UnicodeDecodeError as error:
        # Text is decoded in chunks, so the bad byte is somewhere from this row on.
        raise FileError(
            RowError(number + 1, "", "The file is not UTF-8 text from about here on; save it as CSV UTF-8.")
        ) from error
    except csv.Error as error:
        raise FileError(RowError(number + 1, "", f"Not readable as CSV: {error}.")) from error
    finally:
        # Leave the binary file open for the second pass and for the caller.
        text.detach()


def cell(row: dict[str, str], name: str) -> str:
    """The row's text in the column, trimmed; empty if the file has no such column."""
    return (row.get(name) or "").strip()


def order_key(number: int, row: dict[str, str]) -> tuple:
    shop, order_number = cell(row, "shop"), cell(row, "number")
    # A row without shop or number cannot join an order; it is its own (failing) group.
    return (shop, order_number) if shop and order_number else ("", "", number)
