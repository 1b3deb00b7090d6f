"""CSV import of orders, shared by `manage.py import_orders` and the admin's Import button.

The format
----------
UTF-8, with or without the byte-order mark Excel writes. Comma or semicolon as
delimiter: whichever the header line uses more. The first line names the
columns; their order does not matter and unknown columns are ignored.

One row per order line. Rows with the same (shop, number) form one order, even
when they are not next to each other. The order's own columns (shop to
shipping_speed) are read from its first row; a later row of the same order
that says something else is reported.

=================  ========  ==========================================================
column             required  content
=================  ========  ==========================================================
shop               yes       the shop's slug, e.g. ``leinen``
number             yes       the shop's order number
placed_at          yes       ``2026-11-01T10:00:00+01:00``, ``2026-11-01 10:00`` or
                             ``01.11.2026 10:00``; without an offset in the shop's time zone
currency                     ``EUR``, ``SEK``; empty: the shop's currency
total              yes       order total, ``59.80`` or ``59,80``
buyer_email        yes       buyers are matched on it per shop
buyer_name
buyer_language               ``de``, ``sv`` or ``en``
ship_name, ship_line1, ship_postal_code, ship_city
ship_country                 two letters, ``DE``
needed_by                    date the buyer needs the goods by (a wedding), ``2026-11-20``
shipping_speed               ``standard``, ``express`` or ``next_day``
sku                yes       the line's article number
title                        product title; empty: the SKU
quantity           yes       a whole number, at least 1
unit_price         yes       price of one unit
unit_weight_g                weight of one unit in grams
personalisation              ``Monogramm=AMK; Farbe=Weiß`` - label=value pairs separated
                             by ``;``; values are kept exactly as the buyer typed them
payment_method               ``card``, ``paypal``, ``invoice``, ``bank_transfer``,
                             ``personal_cheque`` or ``money_order``
payment_status               ``pending``, ``authorized``, ``paid`` (default), ``failed``,
                             ``cancelled``
payment_reference            the payment provider's id
carrier                      carrier code, ``dhl``; with tracking_number makes a shipment
tracking_number
packed_weight_g              the parcel's measured weight in grams
=================  ========  ==========================================================

The payment comes from the first row of an order that names one; every
distinct (carrier, tracking_number) becomes a shipment. Rows are numbered as
a spreadsheet shows them: the header is row 1. See `docs/orders-sample.csv`.

Each order is validated with `orders.api.OrderInSerializer`, the same shape the
API accepts, and written by `orders.services.orders_upsert` in batches, each in
its own transaction: importing a file twice leaves the same orders. A bad
order is reported row by row and skipped; the others are imported.
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from rest_framework import serializers

from . import services
from .api import OrderInSerializer
from .models import Shop

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
# Read from an order's first row; the rest describe its lines, payment and shipments.
ORDER_COLUMNS = COLUMNS[: COLUMNS.index("shipping_speed") + 1]
# The rows of an order that disagree on these most likely belong to two orders.
CONSISTENT_COLUMNS = ("placed_at", "currency", "total", "buyer_email")
DEFAULT_BATCH = 500

GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(.*)$")


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self):
        return f"row {self.row}, {self.field or '-'}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    orders_created: int = 0
    orders_updated: int = 0
    orders_failed: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def orders_imported(self) -> int:
        return self.orders_created + self.orders_updated


@dataclass
class _Group:
    """The rows of one order, and where each part of the payload came from."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    payment_row: int | None = None
    shipment_rows: list[int] = field(default_factory=list)
    data: dict | None = None

    @property
    def first_row(self) -> int:
        return self.rows[0][0]


Progress = Callable[[int, int], None]


def orders_import_csv(
    *,
    file: BinaryIO,
    batch_size: int = DEFAULT_BATCH,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the orders of a CSV file (binary, seekable); see the module docstring.

    `progress(rows_done, rows_total)` is called as rows are read. With
    `dry_run`, every batch is written and rolled back, so the report also
    holds what only the database can tell.
    """
    return _Importer(batch_size=batch_size, dry_run=dry_run, progress=progress).run(file)


class _Importer:
    def __init__(self, *, batch_size: int, dry_run: bool, progress: Progress | None):
        self.batch_size = max(1, batch_size)
        self.report = ImportReport(dry_run=dry_run)
        self.progress = progress
        self.shops: dict[str, Shop | None] = {}
        # One serializer for every order: a new one per order deep-copies all its
        # fields, which took three quarters of the import's time.
        self.validator = OrderInSerializer()

    def run(self, file: BinaryIO) -> ImportReport:
        try:
            # First pass: where each order ends, so the second pass can hand an order
            # on as soon as its last row is read and keep only unfinished orders in memory.
            last_row: dict[tuple, int] = {}
            total = 0
            for number, row in self._rows(file):
                last_row[_key(number, row)] = number
                total += 1
        except _FileError as error:
            self.report.errors.append(error.row_error)
            return self.report

        file.seek(0)
        self.report.rows = total
        pending: dict[tuple, _Group] = {}
        ready: list[_Group] = []
        done = 0
        for number, row in self._rows(file):
            key = _key(number, row)
            pending.setdefault(key, _Group()).rows.append((number, row))
            if last_row[key] == number:
                group = pending.pop(key)
                if self._validate(group):
                    ready.append(group)
                else:
                    self.report.orders_failed += 1
            if len(ready) >= self.batch_size:
                self._write(ready)
                ready = []
            done += 1
            if self.progress and (done % 100 == 0 or done == total):
                self.progress(done, total)
        if ready:
            self._write(ready)
        self.report.errors.sort(key=lambda error: error.row)
        return self.report

    # --- reading ----------------------------------------------------------

    def _rows(self, file: BinaryIO) -> Iterator[tuple[int, dict[str, str]]]:
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        number = 1
        try:
            header_line = text.readline()
            if not header_line.strip():
                raise _FileError(RowError(1, "", "The file is empty; the first line must name the columns."))
            delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
            header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))]
            missing = [name for name in REQUIRED_COLUMNS if name not in header]
            if missing:
                raise _FileError(RowError(1, missing[0], f"Missing column(s): {', '.join(missing)}."))
            for values in csv.reader(text, delimiter=delimiter):
                number += 1
                if not any(value.strip() for value in values):
                    continue
                yield number, {name: value for name, value in zip(header, values, strict=False) if name}
        except UnicodeDecodeError as error:
            # Text is decoded in chunks, so the bad byte is somewhere from this row on.
            raise _FileError(
                RowError(
                    number + 1, "", "The file is not UTF-8 text from about here on; save it as CSV UTF-8."
                )
            ) from error
        except csv.Error as error:
            raise _FileError(RowError(number + 1, "", f"Not readable as CSV: {error}.")) from error
        finally:
            # Leave the binary file open for the second pass and for the caller.
            text.detach()

    # --- validating -------------------------------------------------------

    def _validate(self, group: _Group) -> bool:
        errors = len(self.report.errors)
        first_number, first = group.rows[0]
        for number, row in group.rows[1:]:
            for name in CONSISTENT_COLUMNS:
                value = _value(row, name)
                if value and value != _value(first, name):
                    self._error(
                        number,
                        name,
                        f"Differs from row {first_number} of the same order ({_value(first, name)!r}).",
                    )

        slug = _value(first, "shop")
        shop = self._shop(slug)
        if slug and shop is None:
            self._error(first_number, "shop", f"Unknown shop: {slug}.")
        payload = self._payload(group)
        # A time without an offset is the shop's local time: shops export their own clock.
        zone = _zone(shop.time_zone) if shop else timezone.get_default_timezone()
        try:
            with timezone.override(zone):
                data = self.validator.run_validation(payload)
        except serializers.ValidationError as error:
            for path, message in _flatten(error.detail):
                self._error(*self._locate(group, path), message)
            return False
        if len(self.report.errors) > errors:
            return False
        group.data = data
        return True

    def _payload(self, group: _Group) -> dict:
        _, first = group.rows[0]
        payload = {
            "shop": _value(first, "shop"),
            "number": _value(first, "number"),
            "placed_at": _date(_value(first, "placed_at")),
            "total": _decimal(_value(first, "total")),
            "buyer": {
                "email": _value(first, "buyer_email"),
                "name": _value(first, "buyer_name"),
                "language": _choice(_value(first, "buyer_language")),
            },
        }
        _put(payload, "currency", _value(first, "currency").upper())
        _put(payload, "needed_by", _date(_value(first, "needed_by")))
        _put(payload, "shipping_speed", _choice(_value(first, "shipping_speed")))
        address = {}
        for name in ("name", "line1", "postal_code", "city", "country"):
            _put(address, name, _value(first, f"ship_{name}"))
        if "country" in address:
            address["country"] = address["country"].upper()
        if address:
            payload["shipping_address"] = address

        lines, shipments, seen = [], [], set()
        for number, row in group.rows:
            line = {
                "sku": _value(row, "sku"),
                "title": _value(row, "title"),
                "quantity": _value(row, "quantity"),
                "unit_price": _decimal(_value(row, "unit_price")),
                "personalisation": self._personalisation(number, row.get("personalisation", "")),
            }
            _put(line, "unit_weight_g", _value(row, "unit_weight_g"))
            lines.append(line)

            if group.payment_row is None and _value(row, "payment_method"):
                group.payment_row = number
                payment = {"method": _choice(_value(row, "payment_method"))}
                _put(payment, "status", _choice(_value(row, "payment_status")))
                _put(payment, "reference", _value(row, "payment_reference"))
                payload["payment"] = payment

            carrier, tracking_number = _value(row, "carrier"), _value(row, "tracking_number")
            if (carrier or tracking_number) and (carrier.lower(), tracking_number) not in seen:
                seen.add((carrier.lower(), tracking_number))
                group.shipment_rows.append(number)
                shipment = {"carrier": carrier, "tracking_number": tracking_number}
                _put(shipment, "packed_weight_g", _value(row, "packed_weight_g"))
                shipments.append(shipment)
        payload["lines"] = lines
        payload["shipments"] = shipments
        return payload

    def _personalisation(self, number: int, text: str) -> list[dict]:
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
                self._error(number, "personalisation", f"Write each field as label=value, not {part!r}.")
                continue
            fields.append({"label": label.strip(), "value": value})
        return fields

    def _locate(self, group: _Group, path: tuple) -> tuple[int, str]:
        """The row and column a serializer error points at."""
        head = path[0] if path else ""
        if head == "buyer" and len(path) > 1:
            return group.first_row, f"buyer_{path[1]}"
        if head == "shipping_address" and len(path) > 1:
            return group.first_row, f"ship_{path[1]}"
        if head == "lines" and len(path) > 2 and isinstance(path[1], int):
            return group.rows[path[1]][0], path[2]
        if head == "payment" and len(path) > 1:
            return group.payment_row or group.first_row, f"payment_{path[1]}"
        if head == "shipments" and len(path) > 2 and isinstance(path[1], int):
            return group.shipment_rows[path[1]], path[2]
        if head == "non_field_errors":
            return group.first_row, ""
        return group.first_row, str(head)

    def _shop(self, slug: str) -> Shop | None:
        if slug not in self.shops:
            self.shops[slug] = Shop.objects.filter(slug=slug).first() if slug else None
        return self.shops[slug]

    # --- writing ----------------------------------------------------------

    def _write(self, groups: list[_Group]) -> None:
        try:
            self._upsert(groups)
        except (ValidationError, DatabaseError):
            # Something only the database knew about (a tracking number of another
            # shop's order, a constraint): find the culprit one order at a time.
            for group in groups:
                try:
                    self._upsert([group])
                except ValidationError as error:
                    self.report.orders_failed += 1
                    for name, messages in error.message_dict.items():
                        column = {"shipments": "tracking_number", "__all__": ""}.get(name, name)
                        for message in messages:
                            self._error(group.first_row, column, message)
                except DatabaseError as error:
                    self.report.orders_failed += 1
                    self._error(group.first_row, "", f"Not saved: {error}".strip())

    def _upsert(self, groups: list[_Group]) -> None:
        with transaction.atomic():
            results = services.orders_upsert(items=[group.data for group in groups])
            if self.report.dry_run:
                transaction.set_rollback(True)
        created = sum(1 for result in results if result.created)
        self.report.orders_created += created
        self.report.orders_updated += len(results) - created

    def _error(self, row: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(row=row, field=column, message=str(message)))


class _FileError(Exception):
    def __init__(self, row_error: RowError):
        super().__init__(str(row_error))
        self.row_error = row_error


def _key(number: int, row: dict[str, str]) -> tuple:
    shop, order_number = _value(row, "shop"), _value(row, "number")
    # A row without shop or number cannot join an order; it is its own (failing) group.
    return (shop, order_number) if shop and order_number else ("", "", number)


def _value(row: dict[str, str], name: str) -> str:
    return (row.get(name) or "").strip()


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


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def _flatten(errors, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """DRF's nested error structure as (path, message) pairs."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, (*path, key))
    elif isinstance(errors, list) and errors and all(isinstance(item, str) for item in errors):
        for message in errors:
            yield path, str(message)
    elif isinstance(errors, list):
        for index, item in enumerate(errors):
            yield from _flatten(item, (*path, index))
    elif errors:
        yield path, str(errors)
