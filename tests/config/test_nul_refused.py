"""A NUL character in the path or the query string is a 400 naming the field, never a 500.

Schemathesis found it: `GET /api/v1/orders/?number=<…NUL…>` reached the database, which stores
no NUL, and the request failed with a server error.
"""

import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_in_an_api_filter_is_a_400_naming_the_filter(owner_api, shop):
    response = owner_api.get("/api/v1/orders/?page_size=10&number=k%00b")

    assert response.status_code == 400
    assert response.json() == {"number": ["Null characters are not allowed."]}


def test_a_nul_in_a_desk_path_or_query_is_a_400(client, agent, shop):
    client.force_login(agent)

    assert client.get("/desk/cases/C-2026%00/").status_code == 400
    response = client.get("/desk/?q=Hoch%00zeit")
    assert response.status_code == 400
    assert response.content.decode().startswith("q:")


def test_the_same_requests_without_the_nul_are_answered(owner_api, client, agent, shop):
    client.force_login(agent)

    assert owner_api.get("/api/v1/orders/?page_size=10&number=kb").status_code == 200
    assert client.get("/desk/?q=Hochzeit").status_code == 200
