"""`manage.py import_orders FILE.csv [--batch 500] [--dry-run]`; the format is in `orders.importing`."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders.importing import DEFAULT_BATCH, orders_import_csv

# Below this many rows the import is over before a progress bar says anything.
PROGRESS_FROM_ROWS = 1000


class Command(BaseCommand):
    help = (
        "Import orders from a CSV file, one row per order line (see orders/importing/__init__.py "
        "and docs/orders-sample.csv). Safe to run twice. Exits with status 1 if any row failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file (UTF-8, comma or semicolon)")
        parser.add_argument(
            "--batch", type=int, default=DEFAULT_BATCH, help="orders per transaction (default 500)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and write nothing (every batch is rolled back)"
        )

    def handle(self, *args, file, batch, dry_run, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        bar = None

        def progress(done, total):
            nonlocal bar
            if total < PROGRESS_FROM_ROWS:
                return
            if bar is None:
                bar = tqdm(total=total, unit="rows", desc="Importing", file=self.stderr._out)
            bar.update(done - bar.n)

        try:
            with open(file, "rb") as stream:
                report = orders_import_csv(file=stream, batch_size=batch, dry_run=dry_run, progress=progress)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        finally:
            if bar is not None:
                bar.close()

        verb = "would be imported (dry run, nothing written)" if dry_run else "imported"
        self.stdout.write(
            f"{report.rows} rows read; {report.orders_imported} orders {verb}: "
            f"{report.orders_created} new, {report.orders_updated} updated; "
            f"{report.orders_failed} orders failed."
        )
        if report.errors:
            self.stdout.write(f"{len(report.errors)} errors:")
            self.stdout.write(f"{'row':>7}  {'field':<18}  message")
            for error in report.errors:
                self.stdout.write(f"{error.row:>7}  {error.field or '-':<18}  {error.message}")
            raise CommandError(
                f"{len(report.errors)} errors in {file}; the orders of the rows above were not imported."
            )
        self.stdout.write(self.style.SUCCESS("No errors."))
