"""Output fields and serializers for answers that were JSON built by hand before they had serializers.

Those answers gave moments in UTC ("…Z") and some amounts as JSON numbers,
where a model serializer gives the server's time zone and amounts as strings.
Clients parse them as they are, so the serializers that now describe them keep
their shape.
"""

import datetime
import keyword

from rest_framework import serializers


class UTCDateTimeField(serializers.DateTimeField):
    def __init__(self, **kwargs):
        super().__init__(default_timezone=datetime.UTC, **kwargs)


class DecimalNumberField(serializers.DecimalField):
    """An amount of money as a JSON number (12.5), not a string ("12.50")."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, coerce_to_string=False, **kwargs)


class KeywordSafeSerializer(serializers.Serializer):
    """A serializer whose answer has keys Python keeps for itself ("from", "return").

    Declare such a field with a trailing underscore (`from_`); it answers as `from`.
    """

    def get_fields(self):
        return {_answer_name(name): field for name, field in super().get_fields().items()}


def _answer_name(name: str) -> str:
    bare = name.removesuffix("_")
    return bare if name.endswith("_") and keyword.iskeyword(bare) else name
