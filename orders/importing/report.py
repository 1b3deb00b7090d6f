"""What an import tells its caller: how many orders it made, and each problem by row and column."""

from __future__ import annotations

from dataclasses import dataclass, field


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
