"""Django's SECRET_KEY: the laptop demo's own, and what makes a key unfit for production.

Whoever knows SECRET_KEY can sign anything the site trusts: a portal link to any
buyer's order, a session, a password reset. A key printed in this repository (as the
development default and the compose file's fallback once were) is known to everyone
who has read it, so no key is built in: the demo makes its own, production brings one.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Keys this repository once printed: a server still running on one signs what anyone can forge.
# config/settings.py's default while DEBUG was on by default
OLD_DEVELOPMENT_KEY = "dev-only-secret-key-not-for-production-use-0123456789abcdef"
PUBLISHED_KEYS = frozenset(
    {
        OLD_DEVELOPMENT_KEY,
        # docker-compose.yml's fallback when SECRET_KEY was not set
        "local-compose-only-8f3c1a9e5b7d2f604e1a9c8b7d6f5e4a3b2c1d0e-change-me",
        # the Dockerfile's key for collectstatic
        "collectstatic-only-not-a-secret",
        # the benchmarks' key
        "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    }
)
# Words of keys typed from an example rather than generated, compared without case or punctuation.
PLACEHOLDER_WORDS = (
    "changeme",
    "replaceme",
    "placeholder",
    "notasecret",
    "notforproduction",
    "insecure",
    "secretkey",
    "yourkey",
    "example",
)
MIN_LENGTH = 50  # what Django's own check asks for, and what get_random_secret_key() makes
# A generated key of 50 characters has some 35 different ones; a hex key 16. Fewer than 10
# is a pattern someone typed ("abab…", "1234512345…"), whatever its length.
MIN_DISTINCT = 10


def key_problem(key: str) -> str | None:
    """Why this key must not sign anything in production, or None when nothing is wrong with it."""
    if not key:
        return "it is empty"
    if key in PUBLISHED_KEYS:
        return "it was published in Postsale's repository"
    if key.startswith("django-insecure-"):
        return "it is a development key made by `django-admin startproject` (it starts with django-insecure-)"
    plain = re.sub(r"[^a-z0-9]", "", key.lower())
    for word in PLACEHOLDER_WORDS:
        if word in plain:
            return f"it is a placeholder (it contains {word!r})"
    if len(key) < MIN_LENGTH:
        return f"it has {len(key)} characters, fewer than {MIN_LENGTH}"
    if len(set(key)) < MIN_DISTINCT:
        return f"it has only {len(set(key))} different characters, fewer than {MIN_DISTINCT}"
    return None


def new_key() -> str:
    return secrets.token_urlsafe(64)


def laptop_secret_key(path: Path) -> str:
    """The demo's key: made on its first run into the data directory (readable by its owner only), then reused.

    web, worker and beat may start together: the key is written to a file of its own and
    linked into place, so the first one wins and the others read the same complete key.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(new_key() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: its key is the one
    finally:
        draft.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it and a new key is made on the next start.")
    return key
