"""A needed-by date and a rush flag, read from what a shop system knows of an order.

Buyers write the date they need the goods by wherever the checkout lets them:
a delivery-date app's field, a line item property, the order note ("bitte bis
zum 14. Juni, Hochzeit"). The shipping method they paid for says whether it is
a rush order. Both decide how urgent a case is (cases.priority) and whether an
uncleared cheque may ship (claims.automatic).

Everything here reads text a buyer typed, so it is bounded: at most
`MAX_TEXT` characters of a text are looked at, with patterns of fixed-width
parts that the `re` module matches in linear time.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from orders.models import ShippingSpeed

MAX_TEXT = 2000
# Further ahead than this is a typo or a birthday, not a delivery date.
MAX_DAYS_AHEAD = 365

# Parts of a field's name that say it holds the date the buyer needs the goods by
# (compared without case, accents, spaces, "-" or "_"). The Shopify apps that add a
# delivery date to the cart (Zapiet, Order Delivery Date, Bird, …) call it "Delivery
# Date" or "Delivery-Date"; German and Swedish shops name their own field.
DATE_NAME_PARTS = (
    "deliverydate",
    "deliveryday",
    "neededby",
    "needby",
    "requesteddate",
    "eventdate",
    "weddingdate",
    "liefertermin",
    "lieferdatum",
    "wunschtermin",
    "wunschdatum",
    "zustelldatum",
    "hochzeitsdatum",
    "leveransdatum",
    "leveransdag",
    "onskatdatum",
    "brollopsdatum",
)

# WooCommerce delivery-date plugins and where they keep the date, best first:
# Iconic Delivery Slots (`jckwds_date_ymd` = Ymd), YITH Delivery Date
# (`ywcdd_order_delivery_date` = Y-m-d), Order Delivery Date by Tyche
# (`_orddd_timestamp`, `_orddd_lite_timestamp` = Unix time of the day's midnight
# UTC: WordPress runs PHP in UTC), CodeRockz Delivery & Pickup Date Time
# (`delivery_date`), WooCommerce Order Delivery and others (`_delivery_date`).
WOO_DATE_KEYS = (
    "jckwds_date_ymd",
    "ywcdd_order_delivery_date",
    "_orddd_timestamp",
    "_orddd_lite_timestamp",
    "jckwds_timestamp",
    "_delivery_date",
    "delivery_date",
    "jckwds_date",
)

MONTHS = {
    # German (with Austria's Jänner), Swedish and English names and their usual abbreviations.
    **dict.fromkeys(("januar", "janner", "januari", "january", "jan"), 1),
    **dict.fromkeys(("februar", "feber", "februari", "february", "feb"), 2),
    **dict.fromkeys(("marz", "maerz", "mars", "march", "mar", "mrz"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mai", "maj", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("august", "augusti", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("dezember", "december", "dez", "dec"), 12),
}

# 2026-06-14, 2026/06/14 (Zapiet), 14.06.2026, 14. Juni 2026, 14 juni 2026, June 14, 2026.
# Day-first with slashes (14/06/2026) is left out: US apps write 06/14/2026.
ISO = re.compile(r"(?<!\d)(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")
DOTTED = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?!\d)")
DAY_MONTH = re.compile(r"(?<!\d)(\d{1,2})\.?\s{1,3}([^\W\d_]{3,9})\.?,?\s{1,3}(\d{4})(?!\d)")
MONTH_DAY = re.compile(r"\b([^\W\d_]{3,9})\.?\s{1,3}(\d{1,2})(?:st|nd|rd|th)?,?\s{1,3}(\d{4})(?!\d)")
COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
TIMESTAMP = re.compile(r"^\d{9,11}$")

# Shipping methods a buyer pays extra for to have the goods sooner.
# "Priority" is left out: for USPS and others it is an ordinary service, not a rush.
NEXT_DAY = re.compile(r"overnight|next[\s_-]?day|same[\s_-]?day|over\s?natten|nasta\s?dag")
EXPRESS = re.compile(r"expres|\beil")


def _fold(text: str) -> str:
    """Lower case without accents: "März" and "Maerz" and "marz" compare alike, so do "ö" and "o"."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in text if not unicodedata.combining(char)).replace("ß", "ss")


def in_window(day: date | None, *, placed_on: date) -> date | None:
    """The date if a buyer could mean it as a delivery date for an order placed on `placed_on`.

    The order's own day is not one: no parcel arrives that day, and notes quote it ("bestellt am …").
    """
    if day is None or day <= placed_on or day > placed_on + timedelta(days=MAX_DAYS_AHEAD):
        return None
    return day


def _make(year: str, month: int | str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def dates_in_text(text) -> list[date]:
    """Every date written in the text, in the order they appear."""
    text = _fold(str(text or "")[:MAX_TEXT])
    found: list[tuple[int, date | None]] = []
    for match in ISO.finditer(text):
        found.append((match.start(), _make(match[1], match[2], match[3])))
    for match in DOTTED.finditer(text):
        found.append((match.start(), _make(match[3], match[2], match[1])))
    for match in DAY_MONTH.finditer(text):
        if match[2] in MONTHS:
            found.append((match.start(), _make(match[3], MONTHS[match[2]], match[1])))
    for match in MONTH_DAY.finditer(text):
        if match[1] in MONTHS:
            found.append((match.start(), _make(match[3], MONTHS[match[1]], match[2])))
    return [day for _, day in sorted(found, key=lambda pair: pair[0]) if day is not None]


def date_in_text(text, *, placed_on: date) -> date | None:
    """The first date in the text that can be a delivery date for the order."""
    return next(
        (day for day in dates_in_text(text) if in_window(day, placed_on=placed_on)),
        None,
    )


def date_from_value(value, *, placed_on: date) -> date | None:
    """A plugin's or app's date field: Ymd, a Unix time, or a date as written."""
    text = str(value if value is not None else "").strip()[:MAX_TEXT]
    if match := COMPACT.match(text):
        return in_window(_make(*match.groups()), placed_on=placed_on)
    if TIMESTAMP.match(text):
        day = datetime.fromtimestamp(int(text), tz=UTC).date()
        return in_window(day, placed_on=placed_on)
    return date_in_text(text, placed_on=placed_on)


def is_date_name(name) -> bool:
    folded = re.sub(r"[\s_\-.:]", "", _fold(str(name or "")[:100]))
    return any(part in folded for part in DATE_NAME_PARTS)


def date_from_fields(fields, *, placed_on: date) -> date | None:
    """The first (name, value) pair whose name says it is the date, and whose value is one."""
    for name, value in fields:
        if is_date_name(name) and (day := date_from_value(value, placed_on=placed_on)):
            return day
    return None


def speed_from(texts) -> str:
    """The shipping speed the names and codes of the order's shipping methods stand for."""
    folded = _fold(" ".join(str(text or "")[:200] for text in texts))
    if NEXT_DAY.search(folded):
        return ShippingSpeed.NEXT_DAY
    if EXPRESS.search(folded):
        return ShippingSpeed.EXPRESS
    return ShippingSpeed.STANDARD
