"""Owners' e-mail texts: refused on save when they would not render as written, previewed on a real case."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

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

    Returns the context and, in the owner's language, where it came from, so the owner sees
    the text with real names, amounts and parcels. A shared override (no shop), or a shop
    without cases, is shown with made-up values (and no source). Values this e-mail has but
    the case does not (a return's label, say) come from the made-up ones.
    """
    sample = sample_context(shop)
    if shop is None:
        return sample, ""
    message = (
        OutboundMessage.objects.filter(Q(case__shop=shop) | Q(shipment__order__shop=shop), event=event)
        .select_related("case__shop", "case__buyer", "case__order", "author", "shipment__order__shop")
        .order_by("-created_at", "-id")
        .first()
    )
    if message is not None:
        with translation.override(language):  # a reason the system gave, in the e-mail's language
            real = message_context(message)
        if message.case_id:
            source = gettext("With the details of case %(reference)s.") % {
                "reference": message.case.reference
            }
        else:
            source = gettext("With the details of order %(number)s.") % {"number": real["order_number"]}
        return {**sample, **real}, source
    case = (
        Case.objects.filter(shop=shop).select_related("shop", "buyer", "order").order_by("-opened_at").first()
    )
    if case is None:
        return sample, ""
    real = case_context(case)
    real["greeting_name"] = real["buyer_name"]
    source = gettext("With the details of case %(reference)s.") % {"reference": case.reference}
    return {**sample, **{key: value for key, value in real.items() if value not in (None, "")}}, source


__all__ = ["event_variables", "override_check", "preview_context"]
