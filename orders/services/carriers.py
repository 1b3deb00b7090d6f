"""Carriers as shop systems name them: by a code we derive, created the first time one is named."""

from __future__ import annotations

from django.utils.text import slugify

from .. import lookups
from ..models import Carrier


def carriers_for_codes(codes: set[str]) -> dict[str, Carrier]:
    """Carriers by code, creating the ones we have not seen (shop systems name carriers freely)."""
    found = lookups.carriers_by_code(codes)
    missing = [code for code in codes if code not in found]
    if missing:
        Carrier.objects.bulk_create(
            [Carrier(code=code, name=code.replace("-", " ").title()) for code in missing],
            ignore_conflicts=True,
        )
        found = lookups.carriers_by_code(codes)
    return found


def carrier_code(value: str) -> str:
    return slugify(value)[:32]
