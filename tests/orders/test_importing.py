import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from orders.importing import COLUMNS, RowError, orders_import_csv
from orders.models import Buyer, Carrier, Order, OrderLine, Payment, Shipment, Shop
from orders.services import orders_upsert

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "orders-sample.csv"


def _sample_shops():
    """The sample names the demo's shops, so it imports into `make run`'s data too."""
    Shop.objects.create(slug="leinen-liebe", name="Leinen & Liebe", currency="EUR", time_zone="Europe/Berlin")
    Shop.objects.create(slug="linnestugan", name="Linnestugan", currency="SEK", time_zone="Europe/Stockholm")


def _row(**values) -> dict:
    row = {
        "shop": "leinen",
        "number": "1001",
        "placed_at": "2026-11-01T10:00:00+01:00",
        "currency": "EUR",
        "total": "59.80",
        "buyer_email": "anna@example.de",
        "buyer_name": "Anna Müller",
        "buyer_language": "de",
        "ship_name": "Anna Müller",
        "ship_line1": "Lindenstraße 4",
        "ship_postal_code": "10115",
        "ship_city": "Berlin",
        "ship_country": "DE",
        "sku": "NAP-12",
        "title": "Leinenservietten",
        "quantity": "4",
        "unit_price": "14.95",
        "unit_weight_g": "545",
        "payment_method": "card",
        "payment_reference": "ch_1",
        "carrier": "dhl",
        "tracking_number": "003404",
        "packed_weight_g": "2400",
    }
    row.update(values)
    return row


def _write(tmp_path, rows, *, delimiter=",", bom=False, name="orders.csv") -> Path:
    buffer = StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8"))
    return path


def _import(path, **options):
    with open(path, "rb") as file:
        return orders_import_csv(file=file, **options)


def _command(path, *args):
    out = StringIO()
    call_command("import_orders", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _two_orders():
    return [
        _row(number="1001", total="94.75", personalisation="Monogramm=AMK; Farbe=Weiß"),
        _row(
            number="1001", total="94.75", sku="RUN-40", title="Tischläufer", quantity="1", unit_price="34.95"
        ),
        _row(number="1002", buyer_email="ben@example.de", tracking_number="003405"),
    ]


def test_command_imports_orders_and_running_it_twice_changes_nothing(tmp_path, shop):
    path = _write(tmp_path, _two_orders())

    first = _command(path)
    second = _command(path)

    assert "2 orders imported: 2 new, 0 updated" in first
    assert "2 orders imported: 0 new, 2 updated" in second
    assert Order.objects.count() == 2
    assert OrderLine.objects.count() == 3
    assert Payment.objects.count() == 2
    assert Shipment.objects.count() == 2
    order = Order.objects.get(number="1001")
    assert [line.sku for line in order.lines.all()] == ["NAP-12", "RUN-40"]
    assert order.ship_city == "Berlin"
    assert order.buyer.language == "de"


def test_personalisation_is_stored_as_labelled_fields_exactly_as_typed(tmp_path, shop):
    _import(_write(tmp_path, [_row(personalisation="Monogramm=AMK; Farbe=Weiß;Gruß= Für Oma ")]))

    line = OrderLine.objects.get()
    assert line.personalisation == [
        {"label": "Monogramm", "value": "AMK"},
        {"label": "Farbe", "value": "Weiß"},
        {"label": "Gruß", "value": " Für Oma "},
    ]


def test_rows_of_one_order_need_not_be_next_to_each_other(tmp_path, shop):
    rows = [
        _row(number="1001", total="94.75"),
        _row(number="1002", buyer_email="ben@example.de", tracking_number="003405"),
        _row(number="1001", total="94.75", sku="RUN-40", quantity="1", unit_price="34.95"),
    ]

    report = _import(_write(tmp_path, rows), batch_size=1)

    assert report.ok, report.errors
    assert report.orders_created == 2
    assert Order.objects.get(number="1001").lines.count() == 2


def test_bad_rows_are_reported_with_row_and_field_and_the_other_orders_are_imported(tmp_path, shop):
    rows = [
        _row(number="1001"),  # row 2
        _row(number="1002", quantity="0", tracking_number="B"),  # row 3
        _row(number="1003", shop="nirgendwo", tracking_number="C"),  # row 4
        _row(number="1004", placed_at="gestern", tracking_number="D"),  # row 5
        _row(number="1005", tracking_number="E"),  # row 6
    ]
    path = _write(tmp_path, rows)

    report = _import(path)

    assert [(error.row, error.field) for error in report.errors] == [
        (3, "quantity"),
        (4, "shop"),
        (5, "placed_at"),
    ]
    assert "greater than or equal to 1" in report.errors[0].message
    assert report.errors[1].message == "Unknown shop: nirgendwo."
    assert report.orders_failed == 3
    assert sorted(Order.objects.values_list("number", flat=True)) == ["1001", "1005"]


def test_command_prints_the_error_report_and_fails(tmp_path, shop):
    path = _write(tmp_path, [_row(number="1001"), _row(number="1002", quantity="0", tracking_number="B")])
    out = StringIO()

    with pytest.raises(CommandError, match="1 errors"):
        call_command("import_orders", str(path), stdout=out, stderr=StringIO())

    assert "      3  quantity" in out.getvalue()
    assert Order.objects.filter(number="1001").exists()


def test_semicolon_delimiter_byte_order_mark_and_decimal_commas_are_read(tmp_path, shop):
    rows = [_row(total="59,80", unit_price="14,95", placed_at="01.11.2026 10:00")]
    path = _write(tmp_path, rows, delimiter=";", bom=True)

    report = _import(path)

    assert report.ok, report.errors
    order = Order.objects.get()
    assert str(order.total) == "59.80"
    assert order.lines.get().unit_price * 4 == order.total
    assert order.placed_at.isoformat() == "2026-11-01T09:00:00+00:00"


def test_a_time_without_offset_is_the_shops_local_time(tmp_path, shop):
    Shop.objects.create(slug="linnebodan", name="Linnebodan", currency="SEK", time_zone="America/New_York")

    _import(_write(tmp_path, [_row(shop="linnebodan", placed_at="2026-11-01 10:00", currency="")]))

    order = Order.objects.get()
    assert order.placed_at.isoformat() == "2026-11-01T15:00:00+00:00"
    assert order.currency == "SEK"


def test_an_order_the_database_refuses_is_skipped_and_the_rest_of_its_batch_imported(tmp_path, shop):
    other = Shop.objects.create(slug="linnebodan", name="Linnebodan", currency="SEK")
    orders_upsert(
        items=[
            {
                "shop": other.slug,
                "number": "1",
                "placed_at": "2026-10-01T10:00:00Z",
                "total": "10.00",
                "buyer": {"email": "karin@example.se"},
                "shipments": [{"carrier": "dhl", "tracking_number": "TAKEN"}],
            }
        ]
    )
    rows = [
        _row(number="1001"),
        _row(number="1002", tracking_number="TAKEN"),
        _row(number="1003", tracking_number="F"),
    ]

    report = _import(_write(tmp_path, rows))

    assert report.errors == [
        RowError(3, "tracking_number", "Tracking number TAKEN belongs to another shop's order.")
    ]
    assert sorted(shop.orders.values_list("number", flat=True)) == ["1001", "1003"]


def test_rows_of_one_order_that_disagree_are_reported(tmp_path, shop):
    rows = [_row(number="1001"), _row(number="1001", total="12.00", sku="RUN-40")]

    report = _import(_write(tmp_path, rows))

    assert report.errors == [RowError(3, "total", "Differs from row 2 of the same order ('59.80').")]
    assert not Order.objects.exists()


def test_dry_run_reports_without_writing(tmp_path, shop):
    path = _write(tmp_path, _two_orders())

    out = _command(path, "--dry-run")

    assert "2 orders would be imported (dry run, nothing written): 2 new" in out
    assert not Order.objects.exists()
    assert not Buyer.objects.exists()


def test_large_file_is_imported_in_batches(tmp_path, shop):
    rows = [
        _row(number=str(n), buyer_email=f"b{n}@example.de", tracking_number=f"T{n}") for n in range(1, 1201)
    ]
    path = _write(tmp_path, rows)
    err = StringIO()

    call_command("import_orders", str(path), "--batch", "500", stdout=StringIO(), stderr=err)

    assert Order.objects.count() == 1200
    assert Carrier.objects.count() == 1
    assert "1200/1200" in err.getvalue()  # the progress bar


def test_missing_required_column_is_reported_on_the_header_row(tmp_path, shop):
    path = tmp_path / "orders.csv"
    path.write_text("shop,number,placed_at\nleinen,1,2026-11-01\n", encoding="utf-8")

    report = _import(path)

    assert report.errors[0].row == 1
    assert "total" in report.errors[0].message
    assert not Order.objects.exists()


def test_file_that_is_not_utf8_is_reported(tmp_path, shop):
    path = _write(tmp_path, [_row(buyer_name="Jürgen")])
    path.write_bytes(path.read_bytes().decode("utf-8").encode("latin-1"))

    report = _import(path)

    assert "not UTF-8" in report.errors[0].message
    assert not Order.objects.exists()


def test_sample_file_imports_cleanly(db):
    _sample_shops()

    report = _import(SAMPLE)

    assert report.ok, report.errors
    assert report.orders_created == 4
    cheque = Order.objects.get(number="10002")
    assert cheque.shipping_speed == "express"
    assert cheque.payments.get().method == "personal_cheque"
