import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    """Seed once for the demo's tests (it takes seconds) and roll it all back afterwards.

    Each test still runs in its own savepoint inside this transaction, so what a
    test changes is undone before the next one.
    """
    # The same fast hasher as tests/conftest.py, which applies per test, after this fixture ran.
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic(), fast_hashing:
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)
