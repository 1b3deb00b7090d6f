"""Permission sets are cached between requests, and an owner's change still applies at once."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.auth import _token_key
from config.roles import AGENTS
from tests.factories import api_token

pytestmark = pytest.mark.django_db


def _permission_queries(client):
    with CaptureQueriesContext(connection) as queries:
        status = client.get("/desk/").status_code
    return status, sum("auth_permission" in query["sql"] for query in queries.captured_queries)


def test_the_second_request_does_not_ask_the_database_for_permissions(client, agent):
    client.force_login(agent)

    assert _permission_queries(client)[0] == 200
    assert _permission_queries(client) == (200, 0)


def test_a_permission_taken_from_the_group_is_gone_on_the_next_request(client, agent):
    client.force_login(agent)
    assert client.get("/desk/").status_code == 200

    Group.objects.get(name=AGENTS).permissions.remove(Permission.objects.get(codename="view_case"))

    assert client.get("/desk/").status_code == 403


def test_an_agent_taken_out_of_the_group_loses_the_desk_on_the_next_request(client, agent):
    client.force_login(agent)
    assert client.get("/desk/").status_code == 200

    Group.objects.get(name=AGENTS).user_set.clear()

    assert client.get("/desk/").status_code == 403


def test_a_group_given_back_its_permission_works_on_the_next_request(client, agent):
    view_case = Permission.objects.get(codename="view_case")
    agents = Group.objects.get(name=AGENTS)
    agents.permissions.remove(view_case)
    client.force_login(agent)
    assert client.get("/desk/").status_code == 403

    view_case.group_set.add(agents)

    assert client.get("/desk/").status_code == 200


def test_a_permission_given_to_the_user_directly_counts_and_goes_at_once(client, agent):
    client.force_login(agent)
    assert client.get("/desk/").status_code == 200

    agent.user_permissions.add(Permission.objects.get(codename="view_case"))
    agent.groups.clear()

    assert client.get("/desk/").status_code == 200  # still has it directly
    agent.user_permissions.clear()
    assert client.get("/desk/").status_code == 403


# --- API tokens: the token's user comes from the cache, and a revoked token stops at once ---


@pytest.fixture
def token_client(integration):
    token = api_token(integration)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client, AuthToken.objects.get(digest=hash_token(token))


def test_the_second_request_with_a_token_does_not_look_it_up(token_client):
    client, _token = token_client
    assert client.get("/api/v1/orders/").status_code == 200

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/orders/").status_code == 200

    assert not any("knox_authtoken" in query["sql"] for query in queries.captured_queries)


def test_a_deleted_token_is_refused_on_the_next_request(token_client):
    client, token = token_client
    assert client.get("/api/v1/orders/").status_code == 200

    token.delete()

    assert client.get("/api/v1/orders/").status_code == 401


def test_a_deactivated_user_is_refused_on_the_next_request(token_client, integration):
    client, _token = token_client
    assert client.get("/api/v1/orders/").status_code == 200

    integration.is_active = False
    integration.save()

    assert client.get("/api/v1/orders/").status_code == 401


def test_the_cache_holds_neither_the_token_nor_the_password_hash(token_client, integration):
    client, token = token_client
    client.get("/api/v1/orders/")

    cached_user, _expiry = cache.get(_token_key(token.digest))
    assert cached_user.pk == integration.pk
    assert "password" not in cached_user.__dict__
