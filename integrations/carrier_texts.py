"""What a carrier's words say that its status code does not.

DHL's Unified API has five coarse status codes and PostNord none for "out for
delivery" or "lost"; the event text says it: "Die Sendung liegt in der PACKSTATION
157 in 53113 Bonn zur Abholung bereit", "Försändelsen är ute för utdelning". Texts
come from outside, so each is cut to a bounded length and every pattern is plain
`re` without nested quantifiers: matching stays linear in the text's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from orders.models import TrackingStatus as S

MAX_TEXT = 1000

# Order matters: a pickup notice often warns that the parcel "will be returned to the
# sender if not collected", which is not a return yet.
PICKUP = re.compile(
    r"zur abholung bereit|abholbereit|kann ab sofort .{0,60}?abgeholt werden"
    r"|in die packstation eingelegt|ready for (?:pick-? ?up|collection)"
    r"|available for (?:pick-? ?up|collection)|can be (?:picked up|collected)"
    r"|kan hämtas|finns att hämta|redo att hämtas|klar att hämta|kan nu hämtas"
)
RETURNED = re.compile(
    r"an den (?:absender|versender) zur[üu]ck|r[üu]cksendung an den (?:absender|versender)"
    r"|return(?:ed|ing)? to (?:the )?(?:sender|shipper)|being returned"
    r"|returneras till avsändaren|returnerad till avsändaren|retur till avsändare"
)
LOST = re.compile(
    r"in verlust geraten|\bverloren\b|verlustmeldung|nachforschung .{0,40}?ergebnislos"
    r"|\blost\b|försvunnen|försvunnit|kommit bort|borttappad"
)
OUT_FOR_DELIVERY = re.compile(
    r"\bin zustellung\b|zustellfahrzeug|zustelltour|out for delivery|on its way to you today"
    r"|ute för utdelning|ute för utkörning|\butkörning|lastad för utdelning|utlastad"
)
# Words DHL and PostNord use for the place a parcel waits, with its number and place if given.
POINT = re.compile(
    r"\b(packstation|postfiliale|filiale|paketshop|paketbox|poststation|parcel locker|service point"
    r"|ombud|utlämningsställe|paketautomat|paketskåp)\b"
    r"(?:\s(?:nr\.?\s|no\.?\s)?(\d{1,5}))?(?:\sin\s(\d{5}\s[^\W\d][\w-]{0,40}))?",
    re.IGNORECASE,
)
# The last day to fetch it: "bis zum 14.12.2026", "until 14 December 2026", "senast 2026-12-14".
DEADLINE_WORD = re.compile(
    r"\b(?:bis(?: zum| spätestens)?|until|till|no later than|before|by|senast|t\.\s?o\.\s?m\."
    r"|abholfrist|lagerfrist|last day(?: for collection| to collect)?|sista (?:dag|hämtningsdag))[:\s]*"
    r"(?:den |dem |the |am )?",
    re.IGNORECASE,
)
NUMERIC_DATE = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})\b)?")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\b")
DAY_MONTH = re.compile(r"(\d{1,2})\.?\s([^\W\d]{3,10})\.?(?:\s(\d{4}))?")
MONTH_DAY = re.compile(r"([^\W\d]{3,10})\.?\s(\d{1,2})(?:st|nd|rd|th)?,?(?:\s(\d{4}))?")
# German, Swedish and English month names agree in their first three letters, nearly.
MONTHS = {
    "jan": 1, "jän": 1, "feb": 2, "mar": 3, "mär": 3, "apr": 4, "mai": 5, "maj": 5, "may": 5,
    "jun": 6, "jul": 7, "aug": 8, "sep": 9, "okt": 10, "oct": 10, "nov": 11, "dez": 12, "dec": 12,
}  # fmt: skip
# Refining "in transit" to "out for delivery" is safe; "delivered" or a failed attempt stays.
UNDER_WAY = {S.PRE_TRANSIT, S.IN_TRANSIT, S.UNKNOWN}


@dataclass(frozen=True)
class Refined:
    status: str
    pickup_point: str = ""
    pickup_until: date | None = None


def refine(status: str, texts: Iterable, *, location: str = "", on: date | None = None) -> Refined:
    """The status the texts say, and for a parcel at a pickup point where and until when.

    `status` is what the carrier's code said; `location` the event's place, the
    pickup point when the text names none; `on` the event's day, for dates without a year.
    """
    text = " ".join(str(t)[:MAX_TEXT] for t in texts if t)
    folded = text.casefold()
    # A code that already says "at a pickup point" stays so: its text can only add where and until when.
    if status == S.AVAILABLE_FOR_PICKUP or (PICKUP.search(folded) and status != S.RETURNED_TO_SENDER):
        return pickup(text, location=location, on=on)
    if RETURNED.search(folded):
        return Refined(S.RETURNED_TO_SENDER)
    if status != S.DELIVERED and LOST.search(folded):
        return Refined(S.LOST)
    if status in UNDER_WAY and OUT_FOR_DELIVERY.search(folded):
        return Refined(S.OUT_FOR_DELIVERY)
    return Refined(status)


def pickup(text: str, *, location: str = "", on: date | None = None) -> Refined:
    """A parcel waiting for the buyer: the point from the text, else the event's place."""
    text = text[: MAX_TEXT * 4]
    point = ""
    match = POINT.search(text)
    if match:
        kind, number, place = match.groups()
        point = f"{kind} {number}" if number else kind
        if place or location:
            point = f"{point}, {place or location}"
    return Refined(S.AVAILABLE_FOR_PICKUP, (point or location)[:200], deadline(text, on=on))


def deadline(text: str, *, on: date | None = None) -> date | None:
    for word in DEADLINE_WORD.finditer(text[: MAX_TEXT * 4]):
        found = _date_at(text, word.end(), on=on)
        if found:
            return found
    return None


def _date_at(text: str, pos: int, *, on: date | None) -> date | None:
    if match := ISO_DATE.match(text, pos):
        return _date(match[1], match[2], match[3], on)
    if match := NUMERIC_DATE.match(text, pos):
        return _date(match[3], match[2], match[1], on)
    if (match := DAY_MONTH.match(text, pos)) and match[2][:3].casefold() in MONTHS:
        return _date(match[3], MONTHS[match[2][:3].casefold()], match[1], on)
    if (match := MONTH_DAY.match(text, pos)) and match[1][:3].casefold() in MONTHS:
        return _date(match[3], MONTHS[match[1][:3].casefold()], match[2], on)
    return None


def _date(year, month, day, on: date | None) -> date | None:
    on = on or date.today()
    if year and len(str(year)) == 2:
        year = 2000 + int(year)
    try:
        found = date(int(year or on.year), int(month), int(day))
    except ValueError:
        return None
    # "bis zum 05.01." written on 28 December means next January.
    if not year and found < on - timedelta(days=31):
        found = found.replace(year=found.year + 1)
    return found
