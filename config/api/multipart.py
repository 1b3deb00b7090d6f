"""A JSON document with files: JSON as the body, or multipart with the document in a `data` field.

Photos of a damaged parcel or of a returned item travel with the claim or the
inspection they belong to, in one request. A multipart form has no nesting, so
the document rides along as one JSON string and the files keep their own names.
"""

import json

from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

DOCUMENT_FIELD = "data"

# For views that take a document with files (`parser_classes = JSON_OR_MULTIPART`); a plain
# form post, the fields themselves, is still taken as the claims API always took it.
JSON_OR_MULTIPART = [JSONParser, MultiPartParser, FormParser]


def json_and_files(request) -> tuple[object, MultiValueDict]:
    """The request's JSON document and its uploaded files (none for a JSON body)."""
    if not (request.content_type or "").startswith("multipart/"):
        return request.data, MultiValueDict()
    try:
        document = json.loads(request.data.get(DOCUMENT_FIELD) or "{}")
    except json.JSONDecodeError as exc:
        raise ValidationError({DOCUMENT_FIELD: [_("Not valid JSON.")]}) from exc
    return document, request.FILES


def json_or_multipart(serializer, *, files: str) -> dict:
    """The request body for the schema: the serializer as JSON, or multipart with it in `data` and the files.

    `files` says how the files are named and how many there may be.
    """
    return {
        "application/json": serializer,
        "multipart/form-data": {
            "type": "object",
            "properties": {
                DOCUMENT_FIELD: {
                    "type": "string",
                    "description": f"the JSON document: {serializer.__name__.removesuffix('Serializer')}, as in a JSON body",
                }
            },
            "required": [DOCUMENT_FIELD],
            "additionalProperties": {"type": "array", "items": {"type": "string", "format": "binary"}},
            "description": files,
        },
    }
