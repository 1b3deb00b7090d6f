"""Owners' e-mail texts: refused on save when they would not render as written, previewed on a real case."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation

from cases.models import Case

from ..models import OutboundMessage
from ..overrides import event_variables, problems
from ..rendering import case_context, message_context, sample_context


def override_check(*, event: str, subject: str, body: str) -> None:
    """Raise a ValidationError naming the line and the variable or tag, field by field."""
    errors = {}
    for field, source in (("subject", subject), ("body", body)):
        found = problems(source or "", event=event)
        if found:
            errors[field] = [str(problem) for problem in found]
    if errors:
        raise ValidationError(errors)


def preview_context(*, event: str, shop, language: str) -> tuple[dict, str]:
    """The context of a real recent e-mail of this kind in the shop, else of its latest case.

    Returns the context and where it came from (a case reference), so the owner sees the text
    with real names, amounts and parcels. A shared override (no shop), or a shop without
    cases, is shown with made-up values. Values this e-mail has but the case does not
    (a return's label, say) come from the made-up ones.
    """
    sample = sample_context(shop)
    if shop is None:
        return sample, ""
    with translation.override(language):
        message = (
            OutboundMessage.objects.filter(case__shop=shop, event=event)
            .select_related("case__shop", "case__buyer", "case__order", "author")
            .order_by("-created_at", "-id")
            .first()
        )
        if message is not None:
            return {**sample, **message_context(message)}, message.case.reference
        case = (
            Case.objects.filter(shop=shop)
            .select_related("shop", "buyer", "order")
            .order_by("-opened_at")
            .first()
        )
        if case is None:
            return sample, ""
        real = case_context(case)
        real["greeting_name"] = real["buyer_name"]
        return {**sample, **{k: v for k, v in real.items() if v not in (None, "")}}, case.reference


__all__ = ["event_variables", "override_check", "preview_context"]
