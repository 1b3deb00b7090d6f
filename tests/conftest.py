import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from rest_framework.test import APIClient

from config.roles import AGENTS, INTEGRATIONS, OWNERS
from desk import security
from orders.models import Carrier, Role, Shop
from orders.services import membership_grant
from tests.factories import authenticator

# --- shops and carriers -----------------------------------------------------------------


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
def swedish_shop(shop):
    """Linnestugan, in kronor and Swedish; made after `shop`, so the German shop is the older of the two."""
    return Shop.objects.create(
        slug="linnestugan",
        name="Linnestugan",
        currency="SEK",
        default_language="sv",
        time_zone="Europe/Stockholm",
        country="SE",
        support_email="hej@linnestugan.example",
    )


@pytest.fixture
def carrier(db):
    return Carrier.objects.create(
        code="dhl",
        name="DHL",
        tracking_url="https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking_number}",
    )


# --- people and their API clients -------------------------------------------------------


def _user(username, group):
    user = User.objects.create_user(username=username, password=username)
    user.groups.add(Group.objects.get(name=group))
    return user


def _member(username, group, shop, role):
    """A user of `group` who works for `shop`: shops are tenants, and nobody sees a shop they are not in."""
    user = _user(username, group)
    membership_grant(user=user, shop=shop, role=role)
    user.refresh_from_db()
    return user


def _api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner(shop):
    """The owner of `shop` (staff: the admin too)."""
    return _member("owner", OWNERS, shop, Role.OWNER)


@pytest.fixture
def superuser(db):
    # Every permission and no refund limit: money that moves without waiting for anyone.
    return User.objects.create_superuser("root", "root@example.com", "root")


@pytest.fixture
def owner_client(client, owner):
    """The site (desk, admin) as an owner sees it, logged in."""
    client.force_login(owner)
    return client


@pytest.fixture
def agent(shop):
    """An agent of `shop`."""
    return _member("agent", AGENTS, shop, Role.AGENT)


@pytest.fixture
def integration(shop):
    """The API user of `shop`'s shop system."""
    return _member("shopsystem", INTEGRATIONS, shop, Role.INTEGRATION)


@pytest.fixture
def swedish_agent(swedish_shop):
    """An agent of the other shop, Linnestugan: someone who must never see Leinen & Liebe."""
    return _member("sofia", AGENTS, swedish_shop, Role.AGENT)


@pytest.fixture
def swedish_owner(swedish_shop):
    return _member("sven", OWNERS, swedish_shop, Role.OWNER)


@pytest.fixture
def swedish_integration(swedish_shop):
    """The API user of Linnestugan's shop system."""
    return _member("linnesystem", INTEGRATIONS, swedish_shop, Role.INTEGRATION)


@pytest.fixture
def swedish_agent_api(swedish_agent):
    """The API as Linnestugan's agent calls it."""
    return _api_client(swedish_agent)


@pytest.fixture
def grant():
    """Give a user (a fixture's, or one made in the test) a place in another shop: grant(agent, swedish_shop)."""

    def grant(user, shop, role=None):
        role = role or (Role.OWNER if user.groups.filter(name=OWNERS).exists() else Role.AGENT)
        return membership_grant(user=user, shop=shop, role=role)

    return grant


@pytest.fixture
def api(integration):
    """The API as a shop system calls it."""
    return _api_client(integration)


@pytest.fixture
def agent_api(agent):
    return _api_client(agent)


@pytest.fixture
def owner_api(owner):
    return _api_client(owner)


# --- what every test gets ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(settings, tmp_path):
    # Each test starts with an empty cache of its own: a key prefix of its own in Redis, a directory
    # of its own for the file cache (a shared one culls entries when other tests fill it). Rows a
    # test rolled back stay cached otherwise (permissions, integrations, rate limits), and the next
    # test's rows may carry the same ids.
    caches = {}
    for name, config in settings.CACHES.items():
        if config["BACKEND"].endswith("FileBasedCache"):
            caches[name] = {**config, "LOCATION": str(tmp_path / "cache" / name)}
        else:
            caches[name] = {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Labels, photos and evidence are files: each test writes its own.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _language_restored():
    # A request activates its language in the thread that serves it and leaves it there:
    # LocaleMiddleware does, and so do the portal's pages (the buyer's language) and the desk's
    # middleware (the agent's). A server's next request activates its own; the test client serves
    # requests in the test's own thread, so the last page a test fetched would choose the
    # language of the next test's error messages.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _force_login_is_a_whole_login(monkeypatch):
    """`force_login` stands for a finished login: the password and, where one is asked, the TOTP code.

    Owners, staff and superusers must confirm a login with a code (desk/security.py); a test that
    force-logs one in gets a confirmed authenticator for them and a session that gave its code.
    The second step itself is tested with real logins (tests/desk/test_second_factor.py).
    """
    force_login = Client.force_login

    def whole_login(self, user, backend=None):
        force_login(self, user, backend)
        verified_session(self, user)

    monkeypatch.setattr(Client, "force_login", whole_login)


def verified_session(client, user):
    """Mark the client's logged-in session as having given `user`'s TOTP code, if one is asked."""
    if not security.needs_second_factor(user, privileged=security.is_privileged(user)):
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
