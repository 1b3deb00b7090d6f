"""The OpenAPI schema generates cleanly and the docs page renders."""

import json

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns drf-spectacular's warnings (an unresolvable type, an
    # enum name collision) into a failure, as they would degrade generated clients.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert "/api/v1/orders/" in (tmp_path / "schema.yml").read_text()


def test_schema_renders_for_a_logged_in_user(client, agent):
    client.force_login(agent)

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/v1/tracking-events/" in response.json()["paths"]


def test_docs_render_for_a_logged_in_user(client, agent):
    client.force_login(agent)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def _untyped(schema: dict, components: dict, path: str, seen: frozenset = frozenset()) -> list[str]:
    """Where in `schema` a client would get JSON the schema does not describe field by field."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else _untyped(components[name], components, path, seen | {name})
    problems = []
    for key in ("allOf", "oneOf", "anyOf"):
        for index, branch in enumerate(schema.get(key, [])):
            problems += _untyped(branch, components, f"{path}/{key}[{index}]", seen)
    if schema.get("type") == "array":
        problems += _untyped(schema.get("items", {}), components, f"{path}[]", seen)
    elif schema.get("type") == "object" or "properties" in schema:
        extra = schema.get("additionalProperties")
        for name, field in schema.get("properties", {}).items():
            problems += _untyped(field, components, f"{path}.{name}", seen)
        if isinstance(extra, dict) and extra:
            problems += _untyped(extra, components, f"{path}.*", seen)
        # A bag of stored details whose keys vary may stay free-form, if it says what it holds.
        elif not schema.get("properties") and not schema.get("description"):
            problems.append(f"{path}: an object without fields")
    elif not any(key in schema for key in ("type", "enum", "allOf", "oneOf", "anyOf")):
        problems.append(f"{path}: no type")
    return problems


@pytest.mark.django_db
def test_every_answer_is_described_field_by_field(tmp_path):
    target = tmp_path / "schema.json"
    call_command("spectacular", "--fail-on-warn", "--format", "openapi-json", "--file", str(target))
    schema = json.loads(target.read_text())
    components = schema["components"]["schemas"]

    problems = []
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if not code.startswith("2"):
                    continue
                where = f"{method.upper()} {url} {code}"
                content = response.get("content")
                if not content:
                    problems.append(f"{where}: no body described")
                for media_type, body in (content or {}).items():
                    if "json" in media_type:
                        problems += _untyped(body.get("schema", {}), components, where)

    assert problems == []
