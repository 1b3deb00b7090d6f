import copy
import uuid

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from config.roles import AGENTS, INTEGRATIONS, OWNERS
from orders.models import Carrier, Shop


@pytest.fixture
def shop(db):
    shop = Shop.objects.create(
        slug="leinen",
        name="Leinen & Liebe",
        currency="EUR",
        default_language="de",
        support_email="hilfe@leinen.example",
    )
    return shop


@pytest.fixture
def carrier(db):
    return Carrier.objects.create(
        code="dhl",
        name="DHL",
        tracking_url="https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking_number}",
    )


def _user(username, group):
    user = User.objects.create_user(username=username, password=username)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def owner(db):
    user = _user("owner", OWNERS)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def agent(db):
    return _user("agent", AGENTS)


@pytest.fixture
def integration(db):
    return _user("shopsystem", INTEGRATIONS)


@pytest.fixture
def api(integration):
    client = APIClient()
    client.force_authenticate(integration)
    return client


@pytest.fixture
def agent_api(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    # Each test starts with an empty cache: a key prefix of its own. Rows a
    # test rolled back stay cached in Redis otherwise (permissions, integrations,
    # rate limits), and the next test's rows may carry the same ids.
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
