"""Integration secrets encrypted at rest: the database and the cache hold only ciphertext.

Fernet (AES-128-CBC with an HMAC-SHA256 tag) from `cryptography`. The keys come
from POSTSALE_SECRETS_KEY: one or more Fernet keys, comma-separated; the first
encrypts, every one decrypts, so a key can be rotated without losing what was
stored. It is required in production (config/checks.py): a key of its own, so that
a leaked SECRET_KEY does not also decrypt every shop's webhook secrets and API
keys. Only with DEBUG on (the laptop demo) is the key derived from SECRET_KEY
(and SECRET_KEY_FALLBACKS for reading) when none is set.

Stored values look like "fernet:<token>". A value without the prefix is one
saved before encryption; it is read as it is, and encrypted when saved again.
"""

from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

PREFIX = "fernet:"
_DERIVATION = b"postsale.integrations.secrets:"


def _derived(secret_key: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(_DERIVATION + secret_key.encode()).digest())


def _keys() -> tuple[bytes, ...]:
    configured = [key.strip().encode() for key in settings.POSTSALE_SECRETS_KEY if key.strip()]
    if configured:
        return tuple(configured)
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "POSTSALE_SECRETS_KEY is not set: integration secrets are encrypted with a key of their own "
            "in production, never one derived from SECRET_KEY."
        )
    return tuple(_derived(key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS])


_fernets: dict[tuple[bytes, ...], MultiFernet] = {}


def _fernet() -> MultiFernet:
    keys = _keys()
    if keys not in _fernets:
        _fernets.clear()  # settings changed (tests): one live key set at a time
        _fernets[keys] = MultiFernet([Fernet(key) for key in keys])
    return _fernets[keys]


def seal(plain: str) -> str:
    """The stored form of a secret ("" stays "")."""
    if not plain:
        return ""
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def unseal(stored: str) -> str:
    """The secret itself; "" when it cannot be decrypted (so signatures fail, loudly logged)."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return stored  # saved before secrets were encrypted
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        log.error(
            "An integration secret cannot be decrypted: POSTSALE_SECRETS_KEY (or SECRET_KEY) changed "
            "without keeping the old key. Enter the secret again in the admin."
        )
        return ""


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def resealed(stored: str) -> str:
    """A stored value in sealed form: a plain one from before encryption gets sealed."""
    return stored if is_sealed(stored) else seal(stored)
