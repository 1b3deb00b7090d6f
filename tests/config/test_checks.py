"""The system checks that keep production from starting with a secret anyone could know.

tests/config/test_settings.py starts real processes with these settings; here each rule once.
"""

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from config.checks import check_secret_key, check_secrets_key, refuse_unsafe_secrets
from config.keys import OLD_DEVELOPMENT_KEY, new_key

SECRETS_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = new_key()
    settings.SECRET_KEY_FALLBACKS = []
    settings.POSTSALE_SECRETS_KEY = [SECRETS_KEY]
    return settings


def ids(errors) -> list[str]:
    return [error.id for error in errors]


def test_production_with_its_own_keys_passes(production):
    assert check_secret_key() + check_secrets_key() == []
    refuse_unsafe_secrets()  # does not raise


def test_the_old_development_key_stops_manage_py(production):
    production.SECRET_KEY = OLD_DEVELOPMENT_KEY

    with pytest.raises(SystemCheckError, match="postsale.secrets.E002"):
        call_command("check")


@pytest.mark.parametrize("key", ["changeme", "django-insecure-" + new_key(), "short-but-random-k3y"])
def test_placeholder_and_weak_keys_are_errors(production, key):
    production.SECRET_KEY = key

    assert ids(check_secret_key()) == ["postsale.secrets.E002"]


def test_a_published_key_kept_as_a_fallback_is_an_error_too(production):
    # A fallback still verifies signatures: a link forged with it would open.
    production.SECRET_KEY_FALLBACKS = [OLD_DEVELOPMENT_KEY]

    assert ids(check_secret_key()) == ["postsale.secrets.E003"]


def test_the_secrets_key_is_required_and_must_be_a_fernet_key(production):
    production.POSTSALE_SECRETS_KEY = []
    assert ids(check_secrets_key()) == ["postsale.secrets.E004"]

    production.POSTSALE_SECRETS_KEY = [SECRETS_KEY, "not-a-fernet-key"]
    assert ids(check_secrets_key()) == ["postsale.secrets.E005"]


def test_servers_without_system_checks_refuse_with_every_reason(production):
    production.SECRET_KEY = OLD_DEVELOPMENT_KEY
    production.POSTSALE_SECRETS_KEY = []

    with pytest.raises(ImproperlyConfigured) as refused:
        refuse_unsafe_secrets()

    assert "postsale.secrets.E002" in str(refused.value) and "postsale.secrets.E004" in str(refused.value)


def test_the_laptop_demo_is_not_held_to_production_keys(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = OLD_DEVELOPMENT_KEY
    settings.POSTSALE_SECRETS_KEY = []

    assert check_secret_key() + check_secrets_key() == []
