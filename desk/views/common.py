"""What every desk view shares: who may look, which case, and how a refusal reaches the agent."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from cases.models import Case
from orders import tenancy

desk_access = permission_required("cases.view_case", raise_exception=True)


def case_or_404(request, reference, queryset=None) -> Case:
    """The case of one of the agent's shops; any other answers 404, as if it did not exist."""
    queryset = Case.objects.select_related("shop", "order", "buyer") if queryset is None else queryset
    return tenancy.get_in_shops_or_404(queryset, request.user, reference=reference)


def after_action(request, case: Case, *, error: str | None = None):
    """Back to the case page, with the error if the service refused."""
    if error:
        messages.error(request, error)
    return redirect("desk:case", reference=case.reference)


def errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        # The message says what is wrong; the agent never sees the form's field names.
        return " ".join(message for messages_ in exc.message_dict.values() for message in messages_)
    return " ".join(exc.messages)
