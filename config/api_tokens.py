"""API tokens for scripts and shop systems: made once, shown once, stored as a hash, expiring.

django-rest-knox keeps `token_key` (the token's first characters, to find the row) and the
SHA-512 digest of the whole token; the token itself exists only in what was printed. Tokens
from before knox (DRF's 40-hex-character keys, stored in plain text) are turned into knox rows
for the same key by the migration `postsale.0001_api_tokens_hashed`, with `legacy_token_rows`:
knox verifies any string it is handed, so an old key keeps working, now hashed and expiring.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS

MAX_DAYS = 3650


def api_token_create(*, user, days: int | None = None, prefix: str | None = None) -> tuple[AuthToken, str]:
    """A new token for `user`, valid for `days` (the default from POSTSALE_API_TOKEN_DAYS).

    Returns the stored row and the token; the token is not kept anywhere.
    """
    days = settings.POSTSALE_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}, not {days}")
    if not user.is_active:
        raise ValueError(f"{user.get_username()} is not active")
    return AuthToken.objects.create(user=user, expiry=timedelta(days=days), prefix=prefix)


def legacy_token_rows(
    keys: list[tuple[str, int, datetime | None]], *, now: datetime, days: int
) -> list[dict]:
    """knox rows for old plain-text keys (key, user id, created): the same keys, hashed, expiring."""
    return [
        {
            "token_key": key[: CONSTANTS.TOKEN_KEY_LENGTH],
            "digest": hash_token(key),
            "user_id": user_id,
            "expiry": now + timedelta(days=days),
            "created": created or now,
        }
        for key, user_id, created in keys
    ]
