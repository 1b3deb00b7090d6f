"""What the desk's search box finds: the words of a case, folded the same way on both sides.

A case keeps two texts: `search_text`, what identifies it (reference, order number, buyer's
name and e-mail, tracking numbers, RMA), matched as typed, part of a word included ("4711",
"kroger"), over a trigram index on PostgreSQL; and `search_body`, what was said and bought
(statements, the buyer's e-mails and the agents' replies, private notes, order lines), matched
word by word. On PostgreSQL a generated `search_vector` column (cases migration 0016) stems that
body in German, Swedish and English, so "Hochzeit" finds "Hochzeitstag"'s neighbour forms and
"Servietten" finds "Serviette"; results are ranked. The embedded SQLite default looks for each
word inside the same texts: simpler, and it finds the same words.

Both texts are folded here in Python (lower case, accents off, ß as ss), and so is the query:
"Kroger" finds "Kröger" on either database.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db import models as db
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL

from . import signals
from .models import Case, CaseNote

# One tsquery per language the buyers write in, and one unstemmed for names and odd words.
_TSQUERY = (
    "(plainto_tsquery('german', %s) || plainto_tsquery('swedish', %s) "
    "|| plainto_tsquery('english', %s) || plainto_tsquery('simple', %s))"
)
BODY_LIMIT = 100_000
# Runs of letters or of digits: the pieces of what was typed that the trigram index can look up.
_PIECES = re.compile(r"[^\W\d_]+|\d+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Unaccent(Func):
    """PostgreSQL's unaccent() (the extension cases migration 0014 creates)."""

    function = "unaccent"
    output_field = TextField()


def case_reindex(case: Case) -> None:
    """Gather what was said and bought on the case into its search body. A handful of queries.

    Called by every service that adds words to a case (a claim's statement, an e-mail, a note,
    a reply, an order linked); the layers above add their texts through `signals.case_search_texts`.
    """
    parts = [*CaseNote.objects.filter(case_id=case.pk).values_list("body", flat=True)]
    for _receiver, texts in signals.case_search_texts.send(sender=Case, case=case):
        parts += list(texts or [])
    body = search_body_of(case, parts)
    Case.objects.filter(pk=case.pk).update(search_body=body)
    case.search_body = body


def search_body_of(case: Case, said: list[str]) -> str:
    """The case's subject and preview, its order's lines and what was `said` on it, folded.

    A case being opened has no notes or e-mails yet: `case_open` builds its body from the words it
    opens with, before the row is written, instead of reading five empty lists back.
    """
    parts = [case.subject, case.preview]
    if case.order_id:
        for line in _lines(case.order):
            parts += [line.title, line.sku, *_personalisation_values(line.personalisation)]
    parts += said
    return fold(" ".join(part for part in parts if part))[:BODY_LIMIT]


def _lines(order):
    """The order's lines: the ones already read with it (a claim's evidence needs them), else one query."""
    if "lines" in getattr(order, "_prefetched_objects_cache", {}):
        return order.lines.all()
    return order.lines.only("title", "sku", "personalisation")


def _personalisation_values(personalisation) -> list[str]:
    if not isinstance(personalisation, list):
        return []
    return [str(item.get("value", "")) for item in personalisation if isinstance(item, dict)]


def cases_matching(queryset: QuerySet, q: str) -> QuerySet:
    """The cases whose words match `q`: identifiers as typed, words of the body by their stem (PostgreSQL)."""
    folded = fold(q).strip()
    if not folded:
        return queryset
    if connection.vendor == "postgresql":
        words = RawSQL(f"cases_case.search_vector @@ {_TSQUERY}", [folded] * 4, output_field=BooleanField())
        return queryset.filter(_identifier_contains(folded) | Q(words))
    condition = Q(search_text__contains=folded)
    every_word = Q()
    for word in folded.split():
        every_word &= Q(search_text__contains=word) | Q(search_body__contains=word)
    return queryset.filter(condition | every_word)


def _identifier_contains(folded: str) -> Q:
    """`search_text` holds `folded` as typed, looked up in the trigram index by its rarest-looking piece.

    The index finds a text by every trigram of the pattern, and reads each trigram's list of
    cases: "buyer4242@example" asks for "exa", "xam", "amp"…, which every case with an e-mail at
    example.com holds (33 ms at 1M cases, of a 50 ms page). Looked up by one piece, digits before
    letters and the longest first ("4242"), and checked for the whole text in the rows found
    (`strpos`, which no index serves), it takes 5–12 ms and finds the same cases.
    """
    pieces = [piece for piece in _PIECES.findall(folded) if len(piece) >= 3]
    if not pieces:
        return Q(search_text__contains=folded)
    piece = max(pieces, key=lambda piece: (piece.isdigit() and len(piece) >= 4, len(piece)))
    if piece == folded:
        return Q(search_text__contains=folded)
    whole = RawSQL("strpos(cases_case.search_text, %s) > 0", [folded], output_field=BooleanField())
    return Q(search_text__contains=piece) & Q(whole)


def by_relevance(queryset: QuerySet, q: str) -> QuerySet:
    """Best matches first: an identifier typed in full, then how often and how closely the words occur."""
    folded = fold(q).strip()
    exact = db.Case(
        When(search_text__contains=folded, then=Value(1.0)), default=Value(0.0), output_field=FloatField()
    )
    if connection.vendor == "postgresql":
        rank = RawSQL(
            f"ts_rank(cases_case.search_vector, {_TSQUERY})", [folded] * 4, output_field=FloatField()
        )
        return queryset.annotate(relevance=exact + rank).order_by(F("relevance").desc(), "-priority", "id")
    return queryset.annotate(relevance=exact).order_by(F("relevance").desc(), "-priority", "id")
