"""The OpenAPI schema's view of what every API write shares: the `Idempotency-Key` header."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter

from .errors import ConflictSerializer
from .idempotency import HEADER, HEADER_DESCRIPTION, Idempotent

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER, str, location=OpenApiParameter.HEADER, required=False, description=HEADER_DESCRIPTION
)
KEY_REUSED = {
    "type": "object",
    "properties": {HEADER: {"type": "array", "items": {"type": "string"}}},
    "required": [HEADER],
    "description": "the key was used before for another request",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with the header, its 409 and its 422 on every idempotent write."""

    def _idempotent(self) -> bool:
        return self.method == "POST" and isinstance(self.view, Idempotent)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        return [*parameters, IDEMPOTENCY_KEY] if self._idempotent() else parameters

    def _get_response_bodies(self, direction="response"):
        # Here, not in get_response_serializers(): a view's @extend_schema(responses=...) replaces that.
        bodies = super()._get_response_bodies(direction)
        if self._idempotent() and direction == "response":
            for code, body in (("409", ConflictSerializer), ("422", KEY_REUSED)):
                bodies.setdefault(code, self._get_response_for_code(body, code, direction=direction))
        return bodies


# OpenAPI links: what a write's answer names, and where a client (or Schemathesis' stateful
# phase) goes with it next. (source method and path, answers) -> (parameter, where in the body,
# the target operations).
_CASE = ("reference", "$response.body#/reference")
LINKS = [
    (
        ("post", "/api/v1/claims/", ("201", "200")),
        _CASE,
        [
            ("get", "/api/v1/cases/{reference}/"),
            ("post", "/api/v1/cases/{reference}/notes/"),
            ("post", "/api/v1/cases/{reference}/resolve/"),
            ("post", "/api/v1/cases/{reference}/assign/"),
            ("get", "/api/v1/cases/{reference}/messages/"),
            ("post", "/api/v1/cases/{reference}/messages/"),
        ],
    ),
    (
        ("post", "/api/v1/cases/{reference}/resolve/", ("200",)),
        ("id", "$response.body#/refunds/0/id"),
        [("post", "/api/v1/refunds/{id}/confirm/")],
    ),
    (
        ("post", "/api/v1/returns/", ("201",)),
        ("rma", "$response.body#/rma"),
        [
            ("get", "/api/v1/returns/{rma}/"),
            ("get", "/api/v1/returns/{rma}/label.pdf"),
            ("post", "/api/v1/returns/{rma}/approve/"),
            ("post", "/api/v1/returns/{rma}/reject/"),
            ("post", "/api/v1/returns/{rma}/in-transit/"),
            ("post", "/api/v1/returns/{rma}/receive/"),
            ("post", "/api/v1/returns/{rma}/inspect/"),
            ("post", "/api/v1/returns/{rma}/refund/"),
            ("post", "/api/v1/returns/{rma}/close/"),
        ],
    ),
    (
        ("post", "/api/v1/orders/", ("201", "200")),
        ("id", "$response.body#/id"),
        [("get", "/api/v1/orders/{id}/")],
    ),
]


def add_links(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the LINKS above, on the answers that carry them."""
    paths = result.get("paths", {})
    for (method, path, codes), (parameter, expression), targets in LINKS:
        source = paths.get(path, {}).get(method)
        if source is None:
            continue
        operations = [
            paths[target_path][target_method]["operationId"]
            for target_method, target_path in targets
            if target_method in paths.get(target_path, {})
        ]
        for code in codes:
            if code in source["responses"]:
                # A dict of its own per answer: a shared one would become a YAML alias.
                source["responses"][code]["links"] = {
                    operation: {"operationId": operation, "parameters": {parameter: expression}}
                    for operation in operations
                }
    return result
