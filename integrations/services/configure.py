"""Connecting a shop to a provider: which one, and the secrets it signs and answers with."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from ..models import Integration, Source


@transaction.atomic
def integration_configure(
    *, shop, source: str, secret: str, api_key: str | None = None, api_url: str | None = None
) -> Integration:
    if source not in Source.values:
        raise ValidationError({"source": [f"Unknown source {source!r}; one of {', '.join(Source.values)}."]})
    if not secret.strip() and source not in (Source.POSTNORD, Source.DHL):
        raise ValidationError({"secret": ["The signing secret is required."]})
    if api_url:
        try:
            URLValidator(schemes=["https", "http"])(api_url.strip())
        except ValidationError as exc:
            raise ValidationError({"api_url": [f"api_url: not an http(s) URL: {api_url!r}."]}) from exc
    integration, _ = Integration.objects.select_for_update().get_or_create(shop=shop, source=source)
    integration.signing_secret = secret.strip()
    if api_key is not None:
        integration.carrier_api_key = api_key.strip()
    if api_url is not None:
        integration.api_url = api_url.strip()
    integration.active = True
    integration.save()
    return integration
