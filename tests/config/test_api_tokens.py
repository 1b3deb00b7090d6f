"""API tokens: stored as a hash, expiring, revocable; old plain-text keys carried over."""

import importlib
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import api_token

pytestmark = pytest.mark.django_db

OLD_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # DRF's format: 40 hex characters


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_database_holds_a_hash_of_the_token_not_the_token(integration, shop):
    out = io.StringIO()

    call_command("create_api_token", integration.username, stdout=out)

    token = out.getvalue().strip()
    [stored] = AuthToken.objects.filter(user=integration)
    assert token.startswith("pst_") and len(token) == 4 + 64
    assert stored.digest == hash_token(token) and token not in stored.digest
    assert len(stored.token_key) == 15 and token != stored.token_key
    assert client_with(token).get("/api/v1/orders/").status_code == 200


def test_a_token_expires_after_the_default_90_days(integration, shop):
    before = timezone.now()
    api_token(integration)

    [stored] = AuthToken.objects.filter(user=integration)

    assert before + timedelta(days=90) <= stored.expiry <= timezone.now() + timedelta(days=90)


def test_an_expired_token_is_refused(integration, shop):
    token = api_token(integration)
    assert client_with(token).get("/api/v1/orders/").status_code == 200  # now in the cache too

    stored = AuthToken.objects.get(user=integration)
    stored.expiry = timezone.now() - timedelta(seconds=1)
    stored.save()  # as a superuser does in the admin

    assert client_with(token).get("/api/v1/orders/").status_code == 401


def test_an_expired_token_is_refused_even_while_cached(integration, shop, monkeypatch):
    token = api_token(integration, days=1)
    assert client_with(token).get("/api/v1/orders/").status_code == 200
    later = timezone.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr("config.auth.timezone.now", lambda: later)

    assert client_with(token).get("/api/v1/orders/").status_code == 401


def test_a_revoked_token_is_refused_at_once(integration, shop):
    token = api_token(integration)
    assert client_with(token).get("/api/v1/orders/").status_code == 200

    AuthToken.objects.get(digest=hash_token(token)).delete()

    assert client_with(token).get("/api/v1/orders/").status_code == 401


def test_reset_revokes_the_users_other_tokens(integration, shop):
    old = api_token(integration)
    out = io.StringIO()

    call_command("drf_create_token", integration.username, "--reset", stdout=out)

    assert client_with(old).get("/api/v1/orders/").status_code == 401
    assert client_with(out.getvalue().strip()).get("/api/v1/orders/").status_code == 200


@pytest.mark.parametrize("days", ["0", "-1", "3651"])
def test_create_api_token_refuses_tokens_that_never_or_hardly_ever_expire(integration, days):
    with pytest.raises(CommandError, match="between 1 and 3650"):
        call_command("create_api_token", integration.username, "--days", days, stdout=io.StringIO())

    assert not AuthToken.objects.exists()


def test_create_api_token_takes_days(integration):
    call_command("create_api_token", integration.username, "--days", "7", stdout=io.StringIO())

    expiry = AuthToken.objects.get(user=integration).expiry
    assert timedelta(days=6, hours=23) < expiry - timezone.now() <= timedelta(days=7)


def test_create_api_token_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("create_api_token", "nobody", stdout=io.StringIO())


# --- the migration: DRF's plain-text keys become knox's hashes of the same keys ----------------


@pytest.fixture
def legacy_table(integration):
    """DRF's token table as an installation from before knox has it, with one key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone, "
            "user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [OLD_KEY, timezone.now() - timedelta(days=400), integration.pk],
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS authtoken_token")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the table is made with PostgreSQL's types")
def test_the_migration_turns_an_old_key_into_a_hashed_expiring_token_that_still_works(
    legacy_table, integration, shop
):
    migration = importlib.import_module("config.migrations.0001_api_tokens_hashed")

    with connection.schema_editor() as schema_editor:
        migration.forwards(apps, schema_editor)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0  # the plain-text key is gone
    stored = AuthToken.objects.get(user=integration)
    assert stored.digest == hash_token(OLD_KEY) and OLD_KEY not in (stored.digest, stored.token_key)
    assert stored.expiry > timezone.now() + timedelta(days=89)
    assert stored.created < timezone.now() - timedelta(days=399)
    assert client_with(OLD_KEY).get("/api/v1/orders/").status_code == 200
    assert client_with(OLD_KEY[:-1] + "0").get("/api/v1/orders/").status_code == 401
