"""With DEBUG off the site refuses to start while the ESP's webhooks would take anyone's post."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from messaging.checks import esp_webhooks_refuse_strangers

ROOT = Path(__file__).resolve().parents[2]
STRONG = "anymail:k7Qe2v9XbT4mW8zR1pLs"


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.POSTSALE_WEBHOOK_ESP = "postmark"
    settings.ANYMAIL = {}
    return settings


def problems() -> list[str]:
    return [error.id for error in esp_webhooks_refuse_strangers(None)]


def test_an_esp_without_a_webhook_secret_is_refused(production):
    assert problems() == ["messaging.E001"]


@pytest.mark.parametrize("secret", ["anymail:short", "k7Qe2v9XbT4mW8zR1pLs-without-a-user"])
def test_a_guessable_webhook_secret_is_refused(production, secret):
    production.ANYMAIL = {"WEBHOOK_SECRET": secret}

    assert problems() == ["messaging.E001"]


def test_a_long_random_webhook_secret_is_enough(production):
    production.ANYMAIL = {"WEBHOOK_SECRET": STRONG}

    assert problems() == []


def test_every_secret_of_a_rotation_must_be_strong(production):
    production.ANYMAIL = {"WEBHOOK_SECRET": [STRONG, "old:guessable"]}

    assert problems() == ["messaging.E001"]


def test_mailguns_signing_key_is_enough_where_anymail_checks_signatures(production):
    production.POSTSALE_WEBHOOK_ESP = "mailgun"
    production.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": "key-0123456789abcdef"}

    assert problems() == []


def test_an_esp_anymail_has_no_webhooks_for_is_refused(production):
    production.POSTSALE_WEBHOOK_ESP = "pigeonpost"
    production.ANYMAIL = {"WEBHOOK_SECRET": STRONG}

    assert problems() == ["messaging.E001"]


def test_no_esp_or_debug_on_needs_no_secret(production):
    production.POSTSALE_WEBHOOK_ESP = ""
    assert problems() == []

    production.POSTSALE_WEBHOOK_ESP, production.DEBUG = "postmark", True
    assert problems() == []


def manage_check(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANYMAIL_")},
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-0123456789",
        "ALLOWED_HOSTS": "desk.example.com",
        "POSTSALE_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_server_does_not_start_with_an_open_webhook(tmp_path):
    refused = manage_check(tmp_path, ANYMAIL_ESP="postmark", ANYMAIL_POSTMARK_SERVER_TOKEN="t")
    started = manage_check(
        tmp_path, ANYMAIL_ESP="postmark", ANYMAIL_POSTMARK_SERVER_TOKEN="t", ANYMAIL_WEBHOOK_SECRET=STRONG
    )

    assert refused.returncode != 0 and "messaging.E001" in refused.stderr
    assert "messaging.E001" not in started.stdout + started.stderr
