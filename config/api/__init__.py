"""The API toolkit every app's `api.py` uses: one way to read input, refuse it, page and answer.

- errors: `exception_handler` (settings' EXCEPTION_HANDLER) gives one error shape,
  400 {"field.path": [messages]} and 409 {"detail", "code"}; `flat_errors`;
  `ConflictSerializer` documents the 409.
- inputs: `validated(Serializer, data)`, `InputSerializer` for large JSON batches, and
  `InstantField` for a date and time a client sends (years 2000–2099).
- multipart: `json_and_files(request)` for a JSON document sent with files,
  `JSON_OR_MULTIPART` parsers and `json_or_multipart(...)` for its schema.
- outputs: fields that keep hand-built answers' shape (`UTCDateTimeField`, `DecimalNumberField`),
  `KeywordSafeSerializer` for keys such as "from" and "return".
- idempotency: `Idempotent`, the mixin of every API write: an `Idempotency-Key` header makes a
  retry answer the first result (the schema's header comes from `schema.AutoSchema`).
- `CursorPage` (settings' DEFAULT_PAGINATION_CLASS) and `has_perms(...)`.
- renderers: `BrowsableAPIRenderer`, DRF's HTML pages under the Content-Security-Policy.

The toolkit is in `config`, the bottom layer: it knows DRF, never an app.
"""

from .errors import ConflictSerializer, exception_handler, flat_errors
from .idempotency import Idempotent
from .inputs import InputSerializer, InstantField, validated
from .multipart import JSON_OR_MULTIPART, json_and_files, json_or_multipart
from .outputs import DecimalNumberField, KeywordSafeSerializer, UTCDateTimeField
from .pagination import CursorPage
from .permissions import has_perms

__all__ = [
    "JSON_OR_MULTIPART",
    "ConflictSerializer",
    "CursorPage",
    "DecimalNumberField",
    "Idempotent",
    "InputSerializer",
    "InstantField",
    "KeywordSafeSerializer",
    "UTCDateTimeField",
    "exception_handler",
    "flat_errors",
    "has_perms",
    "json_and_files",
    "json_or_multipart",
    "validated",
]
