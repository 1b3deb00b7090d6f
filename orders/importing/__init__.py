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

`reading` reads the file, `payload` makes one order's rows into the API's
shape, `importer` validates and writes them, and `report` is what comes back.
"""

from __future__ import annotations

from collections.abc import Set
from typing import BinaryIO

from .importer import DEFAULT_BATCH, Importer, Progress
from .reading import COLUMNS, REQUIRED_COLUMNS
from .report import ImportReport, RowError

__all__ = ["COLUMNS", "DEFAULT_BATCH", "REQUIRED_COLUMNS", "ImportReport", "RowError", "orders_import_csv"]


def orders_import_csv(
    *,
    file: BinaryIO,
    batch_size: int = DEFAULT_BATCH,
    dry_run: bool = False,
    progress: Progress | None = None,
    shop_ids: Set[int] | None = None,
) -> ImportReport:
    """Import the orders of a CSV file (binary, seekable); see the module docstring.

    `progress(rows_done, rows_total)` is called as rows are read. With
    `dry_run`, every batch is written and rolled back, so the report also
    holds what only the database can tell. With `shop_ids` (an owner's shops in
    the admin) a row naming any other shop is reported as an unknown shop.
    """
    return Importer(batch_size=batch_size, dry_run=dry_run, progress=progress, shop_ids=shop_ids).run(file)
