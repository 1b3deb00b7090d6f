"""Integration secrets are stored encrypted, survive a key rotation, and fail closed."""

import importlib

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from integrations.models import Integration

from .shopify import ORDER, send

pytestmark = pytest.mark.django_db

SECRET = "shpss_1f2e3d4c5b6a"


def _stored_secret(integration) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_integration WHERE id = %s", [integration.pk])
        return cursor.fetchone()[0]


def test_the_database_never_holds_the_secret_itself(connect):
    integration = connect("shopify", SECRET)

    stored = _stored_secret(integration)
    assert SECRET not in stored and stored.startswith("fernet:")
    assert Integration.objects.get(pk=integration.pk).signing_secret == SECRET


def test_signed_deliveries_verify_against_the_encrypted_secret(web, shop, connect):
    connect("shopify", SECRET)

    assert send(web, shop, ORDER).status_code == 200
    assert send(web, shop, ORDER, webhook_id="forged", secret="guessed").status_code == 401


def test_a_rotated_key_still_reads_what_the_old_key_sealed(web, shop, connect, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.POSTSALE_SECRETS_KEY = [old]
    integration = connect("shopify", SECRET)

    settings.POSTSALE_SECRETS_KEY = [new, old]

    assert Integration.objects.get(pk=integration.pk).signing_secret == SECRET
    assert send(web, shop, ORDER).status_code == 200


def test_a_lost_key_refuses_deliveries_instead_of_failing(web, shop, connect, settings, caplog):
    settings.POSTSALE_SECRETS_KEY = [Fernet.generate_key().decode()]
    connect("shopify", SECRET)

    settings.POSTSALE_SECRETS_KEY = [Fernet.generate_key().decode()]

    assert send(web, shop, ORDER).status_code == 401
    assert "cannot be decrypted" in caplog.text


def test_a_secret_saved_before_encryption_is_read_and_then_sealed_by_the_migration(connect):
    integration = connect("shopify", SECRET)
    Integration.objects.filter(pk=integration.pk).update(secret=SECRET)  # as stored by an older version
    assert Integration.objects.get(pk=integration.pk).signing_secret == SECRET

    migration = importlib.import_module("integrations.migrations.0003_secrets_encrypted")
    migration.seal_stored_secrets(apps, None)

    assert _stored_secret(integration).startswith("fernet:")
    assert Integration.objects.get(pk=integration.pk).signing_secret == SECRET


def test_production_never_derives_the_key_from_secret_key(connect, settings):
    # Without a key of its own, a leaked SECRET_KEY would also decrypt every shop's secrets.
    settings.DEBUG = False
    settings.POSTSALE_SECRETS_KEY = []

    with pytest.raises(ImproperlyConfigured, match="POSTSALE_SECRETS_KEY"):
        connect("shopify", SECRET)

    assert not Integration.objects.exists()


def test_the_laptop_demo_derives_its_key_from_secret_key(connect, settings):
    settings.DEBUG = True
    settings.POSTSALE_SECRETS_KEY = []
    integration = connect("shopify", SECRET)

    assert _stored_secret(integration).startswith("fernet:")
    assert Integration.objects.get(pk=integration.pk).signing_secret == SECRET
