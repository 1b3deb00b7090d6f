"""How a buyer's e-mail greets them and writes money, in the way a native support agent would.

The greeting is a table per language rather than one translated sentence: German,
Swedish and English differ in which name they use and how the line ends, not only
in their words (like a locale's date formats, which are not translated either).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal
from django.utils import translation

FORMAL = "formal"
TITLES = {"de": {"ms": "Frau", "mr": "Herr"}}


def _names(*, name: str, first_name: str, last_name: str) -> tuple[str, str, str]:
    """(first name, last name, full name); a full name of two or more words gives its first word."""
    full = " ".join((name or "").split()) or " ".join(f"{first_name} {last_name}".split())
    first = (first_name or "").strip()
    last = (last_name or "").strip()
    words = full.split()
    if not first and len(words) >= 2:
        # "Ingrid Hofmann": most shops' checkouts ask for first name, then last name.
        first = words[0]
    return first, last, full


def greeting(
    *,
    language: str,
    style: str = FORMAL,
    name: str = "",
    salutation: str = "",
    first_name: str = "",
    last_name: str = "",
) -> str:
    """The first line of an e-mail: "Guten Tag Frau Hofmann,", "Hallo Ingrid,", "Hej Ingrid!", "Hello Ingrid,".

    Never the full name after an informal hello ("Hallo Ingrid Hofmann!" reads as machine-made).
    """
    first, last, full = _names(name=name, first_name=first_name, last_name=last_name)
    if language == "de":
        if style == FORMAL:
            title = TITLES["de"].get(salutation, "")
            if title and (last or len(full.split()) >= 2):
                return f"Guten Tag {title} {last or full.split()[-1]},"
            if len(full.split()) >= 2:
                # Without a known salutation, the full name is the usual neutral form in German letters.
                return f"Guten Tag {full},"
            return "Guten Tag,"
        return f"Hallo {first}," if first else "Hallo,"
    if language == "sv":
        return f"Hej {first}!" if first else "Hej!"
    return f"Hello {first}," if first else "Hello,"


def babel_locale(language: str | None = None) -> str:
    return (language or translation.get_language() or "en").replace("-", "_")


def format_money(amount, currency: str, language: str | None = None) -> str:
    """59,20 € in German, 236,00 kr in Swedish, €59.20 in English."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if not currency:
        return format_decimal(value, format="#,##0.00", locale=babel_locale(language))
    return format_currency(value, currency, locale=babel_locale(language))


class Money:
    """An amount that prints itself in the language being rendered: `{{ refund_amount }}` → 59,20 €."""

    def __init__(self, amount, currency: str):
        self.amount = Decimal(str(amount))
        self.currency = currency or ""

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __eq__(self, other) -> bool:
        if isinstance(other, Money):
            return (self.amount, self.currency) == (other.amount, other.currency)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __repr__(self) -> str:
        return f"Money({self.amount!r}, {self.currency!r})"


def as_money(value, currency: str):
    """Wrap a number (or the string JSON stored it as) so it prints as money; anything else unchanged."""
    if value is None or value == "" or isinstance(value, Money | bool):
        return value
    try:
        return Money(value, currency)
    except (InvalidOperation, ValueError, TypeError):
        return value
