"""Shared API plumbing: errors as JSON with the field that is wrong, never a 500 for bad input."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Conflict


def exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "The request conflicts with data already stored.", "code": "integrity"},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)


class CursorPage(CursorPagination):
    """Keyset pagination: no COUNT(*) and stable pages while rows are added."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
