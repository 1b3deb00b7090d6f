"""Names on one line: what a shop system, the CSV import, an e-mail or an owner sends is cleaned on the way in."""

import pytest

from orders.names import clean_name


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Anna Kühn", "Anna Kühn"),
        ("Anna\r\nBcc: x@evil.example", "Anna Bcc: x@evil.example"),
        ("  Karin\tLind\n", "Karin Lind"),
        ("Eva\u2028Lind\u0085", "Eva Lind"),
        ("Null\x00Byte\x7f", "Null Byte"),
        ("Ärla  Öberg", "Ärla Öberg"),
        (None, ""),
    ],
)
def test_a_name_is_kept_on_one_line(given, kept):
    assert clean_name(given) == kept


def test_a_name_is_cut_to_what_the_field_holds():
    assert clean_name("a" * 300) == "a" * 200
