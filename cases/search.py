"""What the desk's search box finds: the words of a case, folded the same way on both sides.

Folding (lower case, accents off, ß as ss) is done here in Python for the stored text and the
query alike, so "Kroger" finds "Kröger" on PostgreSQL and on the embedded SQLite default.
"""

from __future__ import annotations

import unicodedata

from django.db.models import Func, TextField


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Unaccent(Func):
    """PostgreSQL's unaccent() (the extension a desk migration creates)."""

    function = "unaccent"
    output_field = TextField()
