"""System checks that keep a production server from starting with secrets anyone could know.

Errors, not deploy warnings: `manage.py migrate` and `runserver` run them and stop, and so
does the compose stack, whose web, worker and beat wait for migrate. gunicorn and Celery run
no system checks, so config/wsgi.py and config/celery.py call `refuse_unsafe_secrets()`.
With DEBUG on (the laptop demo, the test suite's imports) none of this applies.
"""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .keys import key_problem

GENERATE_SECRET_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
GENERATE_SECRETS_KEY = (
    "python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
)


def _secret_key() -> str:
    try:
        return settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        return ""


@register(Tags.security)
def check_secret_key(app_configs=None, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    errors = []
    key = _secret_key()
    if not key:
        errors.append(
            Error(
                "SECRET_KEY is not set.",
                hint=f"Set SECRET_KEY in the environment to a new random key: {GENERATE_SECRET_KEY}",
                id="postsale.secrets.E001",
            )
        )
    elif problem := key_problem(key):
        errors.append(
            Error(
                f"SECRET_KEY cannot be used in production: {problem}.",
                hint=f"Set SECRET_KEY to a new random key: {GENERATE_SECRET_KEY}. Signed portal links, "
                "sessions and password-reset links made with the old key stop working.",
                id="postsale.secrets.E002",
            )
        )
    for index, fallback in enumerate(settings.SECRET_KEY_FALLBACKS):
        # An old key kept for rotation still verifies signatures: a known one would let forgeries in.
        if problem := key_problem(fallback):
            errors.append(
                Error(
                    f"SECRET_KEY_FALLBACKS[{index}] cannot be used in production: {problem}.",
                    hint="Remove it from SECRET_KEY_FALLBACKS.",
                    id="postsale.secrets.E003",
                )
            )
    return errors


@register(Tags.security)
def check_secrets_key(app_configs=None, **kwargs) -> list[Error]:
    """The key of integrations' secrets at rest is a key of its own in production (integrations/vault.py)."""
    if settings.DEBUG:
        return []
    keys = [key.strip() for key in settings.POSTSALE_SECRETS_KEY if key.strip()]
    if not keys:
        return [
            Error(
                "POSTSALE_SECRETS_KEY is not set.",
                hint="It encrypts the integrations' signing secrets and API keys in the database, apart "
                f"from SECRET_KEY. Generate one: {GENERATE_SECRETS_KEY}",
                id="postsale.secrets.E004",
            )
        ]
    errors = []
    for index, key in enumerate(keys):
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                Error(
                    f"POSTSALE_SECRETS_KEY's key number {index + 1} is not a Fernet key "
                    "(32 bytes in URL-safe base64, 44 characters).",
                    hint=f"Generate one: {GENERATE_SECRETS_KEY}",
                    id="postsale.secrets.E005",
                )
            )
    return errors


def refuse_unsafe_secrets() -> None:
    """The checks above as an exception, for the servers that run no system checks."""
    errors = check_secret_key() + check_secrets_key()
    if errors:
        raise ImproperlyConfigured(
            "Postsale refuses to start:\n" + "\n".join(f"{e.id}: {e.msg} HINT: {e.hint}" for e in errors)
        )
