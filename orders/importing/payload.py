"""One order's rows as the payload the API accepts, and where in the file each part of it came from."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .reading import cell

# Reports a problem at (row, column).
ErrorAt = Callable[[int, str, str], None]

GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(.*)$")


@dataclass
class OrderRows:
    """The rows of one order, and where each part of the payload came from."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    payment_row: int | None = None
    shipment_rows: list[int] = field(default_factory=list)
    data: dict | None = None

    @property
    def first_row(self) -> int:
        return self.rows[0][0]

    def payload(self, error: ErrorAt) -> dict:
        """The order as `OrderInSerializer` reads it; the order's own columns come from its first row."""
        _, first = self.rows[0]
        payload = {
            "shop": cell(first, "shop"),
            "number": cell(first, "number"),
            "placed_at": _date(cell(first, "placed_at")),
            "total": _decimal(cell(first, "total")),
            "buyer": {
                "email": cell(first, "buyer_email"),
                "name": cell(first, "buyer_name"),
                "language": _choice(cell(first, "buyer_language")),
            },
        }
        _put(payload, "currency", cell(first, "currency").upper())
        _put(payload, "needed_by", _date(cell(first, "needed_by")))
        _put(payload, "shipping_speed", _choice(cell(first, "shipping_speed")))
        address = {}
        for name in ("name", "line1", "postal_code", "city", "country"):
            _put(address, name, cell(first, f"ship_{name}"))
        if "country" in address:
            address["country"] = address["country"].upper()
        if address:
            payload["shipping_address"] = address

        lines, shipments, seen = [], [], set()
        for number, row in self.rows:
            line = {
                "sku": cell(row, "sku"),
                "title": cell(row, "title"),
                "quantity": cell(row, "quantity"),
                "unit_price": _decimal(cell(row, "unit_price")),
                "personalisation": _personalisation(number, row.get("personalisation", ""), error),
            }
            _put(line, "unit_weight_g", cell(row, "unit_weight_g"))
            lines.append(line)

            if self.payment_row is None and cell(row, "payment_method"):
                self.payment_row = number
                payment = {"method": _choice(cell(row, "payment_method"))}
                _put(payment, "status", _choice(cell(row, "payment_status")))
                _put(payment, "reference", cell(row, "payment_reference"))
                payload["payment"] = payment

            carrier, tracking_number = cell(row, "carrier"), cell(row, "tracking_number")
            if (carrier or tracking_number) and (carrier.lower(), tracking_number) not in seen:
                seen.add((carrier.lower(), tracking_number))
                self.shipment_rows.append(number)
                shipment = {"carrier": carrier, "tracking_number": tracking_number}
                _put(shipment, "packed_weight_g", cell(row, "packed_weight_g"))
                shipments.append(shipment)
        payload["lines"] = lines
        payload["shipments"] = shipments
        return payload

    def locate(self, path: tuple) -> tuple[int, str]:
        """The row and column a serializer error points at."""
        head = path[0] if path else ""
        if head == "buyer" and len(path) > 1:
            return self.first_row, f"buyer_{path[1]}"
        if head == "shipping_address" and len(path) > 1:
            return self.first_row, f"ship_{path[1]}"
        if head == "lines" and len(path) > 2 and isinstance(path[1], int):
            return self.rows[path[1]][0], path[2]
        if head == "payment" and len(path) > 1:
            return self.payment_row or self.first_row, f"payment_{path[1]}"
        if head == "shipments" and len(path) > 2 and isinstance(path[1], int):
            return self.shipment_rows[path[1]], path[2]
        if head == "non_field_errors":
            return self.first_row, ""
        return self.first_row, str(head)


def _personalisation(number: int, text: str, error: ErrorAt) -> list[dict]:
    if not text.strip():
        return []
    fields = []
    # Split on ";" and the one space that usually follows it; anything else in a
    # value is the buyer's own typing and is kept.
    for part in re.split(r"; ?", text.strip("\r\n")):
        if not part.strip():
            continue
        label, sep, value = part.partition("=")
        if not sep or not label.strip():
            error(number, "personalisation", f"Write each field as label=value, not {part!r}.")
            continue
        fields.append({"label": label.strip(), "value": value})
    return fields


def _put(target: dict, key: str, value) -> None:
    if value not in ("", None):
        target[key] = value


def _choice(value: str) -> str:
    return value.lower().replace(" ", "_").replace("-", "_")


def _decimal(value: str) -> str:
    """`59,80`, `1.234,56` and `1,234.56` all mean what a person reads in them."""
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            return value.replace(".", "").replace(",", ".")
        return value.replace(",", "")
    return value.replace(",", ".")


def _date(value: str) -> str:
    """German spreadsheets turn ISO dates into `01.11.2026`; read those too."""
    match = GERMAN_DATE.match(value)
    if not match:
        return value
    day, month, year, rest = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}{rest}"
