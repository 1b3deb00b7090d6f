"""The shop's return policy as the steps apply it."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..models import ReturnPolicy, ReturnRequest


def policy_for(shop) -> ReturnPolicy:
    """The shop's policy, created with the defaults (14 days, free returns) the first time it is needed."""
    policy, _created = ReturnPolicy.objects.get_or_create(shop=shop)
    return policy


def label_expires_at(request: ReturnRequest, policy: ReturnPolicy, *, start: datetime) -> datetime:
    """When a label given out at `start` lapses without a carrier scan, under the terms the return was made on."""
    return start + timedelta(days=request.terms.get("label_expiry_days", policy.label_expiry_days))
