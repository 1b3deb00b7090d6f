"""One error shape for every API: 400 {"field.path": [messages]}, 409 {"detail", "code"}; never a 500 for bad input."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import Conflict


def flat_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as {"[3].lines[0].quantity": [...]}: one path a shop developer can grep."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            # Nested lists report their bad items by index: {0: {...}, 3: {...}}.
            path = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else key
            flat.update(flat_errors(value, path))
    elif isinstance(errors, list) and all(isinstance(error, str) for error in errors):
        if errors:
            flat[prefix or "non_field_errors"] = [str(error) for error in errors]
    elif isinstance(errors, list):
        for index, error in enumerate(errors):
            flat.update(flat_errors(error, f"{prefix}[{index}]"))
    else:
        flat[prefix or "non_field_errors"] = [str(errors)]
    return flat


def exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        # The services name their fields by path already ("lines[0].quantity").
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": _("The request conflicts with data already stored."), "code": "integrity"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ValidationError):
        # Whichever serializer refused the input, nested or not, the client reads one shape.
        exc.detail = flat_errors(exc.detail)
    return drf_exception_handler(exc, context)


class ConflictSerializer(serializers.Serializer):
    """The 409 answer, for the schema: a move the current state does not allow."""

    detail = serializers.CharField()
    code = serializers.CharField()
