"""People's names as shops, buyers and e-mails give them, made fit for one line and a mail header."""

from __future__ import annotations

import unicodedata

NAME_MAX_LENGTH = 200


def clean_name(name: str | None, *, max_length: int = NAME_MAX_LENGTH) -> str:
    """The name on one line: control characters and line breaks become spaces, runs of spaces one.

    A name goes into the To header of every e-mail to that buyer. "Anna\\r\\nBcc: x@evil"
    kept as it came would either smuggle a header in or, as Django refuses it, stop every
    e-mail to that buyer; whoever typed the line break meant a space.
    """
    characters = [
        " " if unicodedata.category(character) in ("Cc", "Zl", "Zp") else character
        for character in (name or "")
    ]
    return " ".join("".join(characters).split())[:max_length]
