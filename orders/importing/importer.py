"""The import itself: group the rows by order, validate each order as the API would, write them in batches."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterator, Set
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from rest_framework import serializers

from .. import services
from ..api import OrderInSerializer
from ..models import Shop
from .payload import OrderRows
from .reading import FileError, cell, order_key, read_rows
from .report import ImportReport, RowError

# The rows of an order that disagree on these most likely belong to two orders.
CONSISTENT_COLUMNS = ("placed_at", "currency", "total", "buyer_email")
DEFAULT_BATCH = 500

Progress = Callable[[int, int], None]


class Importer:
    def __init__(
        self, *, batch_size: int, dry_run: bool, progress: Progress | None, shop_ids: Set[int] | None = None
    ):
        self.batch_size = max(1, batch_size)
        # The importing user's shops (None: every shop): a row of another shop is an unknown shop.
        self.shop_ids = shop_ids
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
            for number, row in read_rows(file):
                last_row[order_key(number, row)] = number
                total += 1
        except FileError as error:
            self.report.errors.append(error.row_error)
            return self.report

        file.seek(0)
        self.report.rows = total
        pending: dict[tuple, OrderRows] = {}
        ready: list[OrderRows] = []
        done = 0
        for number, row in read_rows(file):
            key = order_key(number, row)
            pending.setdefault(key, OrderRows()).rows.append((number, row))
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

    def _validate(self, group: OrderRows) -> bool:
        errors = len(self.report.errors)
        first_number, first = group.rows[0]
        for number, row in group.rows[1:]:
            for name in CONSISTENT_COLUMNS:
                value = cell(row, name)
                if value and value != cell(first, name):
                    self._error(
                        number,
                        name,
                        f"Differs from row {first_number} of the same order ({cell(first, name)!r}).",
                    )

        slug = cell(first, "shop")
        shop = self._shop(slug)
        if slug and shop is None:
            self._error(first_number, "shop", f"Unknown shop: {slug}.")
        payload = group.payload(self._error)
        # A time without an offset is the shop's local time: shops export their own clock.
        zone = _zone(shop.time_zone) if shop else timezone.get_default_timezone()
        try:
            with timezone.override(zone):
                data = self.validator.run_validation(payload)
        except serializers.ValidationError as error:
            for path, message in _flatten(error.detail):
                self._error(*group.locate(path), message)
            return False
        if len(self.report.errors) > errors:
            return False
        group.data = data
        return True

    def _shop(self, slug: str) -> Shop | None:
        if slug not in self.shops:
            shops = Shop.objects.filter(slug=slug)
            if self.shop_ids is not None:
                shops = shops.filter(pk__in=self.shop_ids)
            self.shops[slug] = shops.first() if slug else None
        return self.shops[slug]

    def _write(self, groups: list[OrderRows]) -> None:
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

    def _upsert(self, groups: list[OrderRows]) -> None:
        with transaction.atomic():
            results = services.orders_upsert(items=[group.data for group in groups], shop_ids=self.shop_ids)
            if self.report.dry_run:
                transaction.set_rollback(True)
        created = sum(1 for result in results if result.created)
        self.report.orders_created += created
        self.report.orders_updated += len(results) - created

    def _error(self, row: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(row=row, field=column, message=str(message)))


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
