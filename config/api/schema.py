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
