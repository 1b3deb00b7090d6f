"""The agent's own settings: the desk's language, how they sign mail to buyers, their two-factor login."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messaging.models import AgentSignature
from messaging.services.signatures import agent_signature_set
from orders import tenancy

from .. import security
from ..forms import LanguageForm, SignatureForm
from ..models import AgentProfile
from .common import desk_access


@login_required
@desk_access
def profile_view(request):
    profile, _created = AgentProfile.objects.get_or_create(user=request.user)
    form = LanguageForm(request.POST or None, initial={"language": profile.language})
    if request.method == "POST" and form.is_valid():
        profile.language = form.cleaned_data["language"]
        profile.save(update_fields=["language"])
        request.session["desk_language"] = profile.language
        return redirect("desk:queue")
    return render(request, "desk/profile.html", _context(request, form=form))


def _context(request, **extra) -> dict:
    shops = tenancy.shops_of(request.user)
    return {
        "has_authenticator": security.has_device(request.user),
        "signatures": AgentSignature.objects.filter(user=request.user, shop__in=shops)
        .select_related("shop")
        .order_by("shop__name", "language"),
        "signature_form": SignatureForm(shops=shops),
        **extra,
    }


@login_required
@desk_access
@require_POST
def signature_view(request):
    """Save how the agent signs one shop's mail in one language; a refusal is shown next to the form."""
    profile, _created = AgentProfile.objects.get_or_create(user=request.user)
    form = SignatureForm(request.POST, shops=tenancy.shops_of(request.user))
    if form.is_valid():
        try:
            agent_signature_set(
                user=request.user,
                shop=form.cleaned_data["shop"],
                language=form.cleaned_data["language"],
                display_name=form.cleaned_data["display_name"],
                signature=form.cleaned_data["signature"],
            )
        except ValidationError as exc:
            form.add_error("display_name", exc.message_dict.get("display_name", exc.messages))
        else:
            messages.success(request, _("Saved: your replies and previews are signed with it."))
            return redirect("desk:profile")
    language_form = LanguageForm(initial={"language": profile.language})
    context = _context(request, form=language_form)
    context["signature_form"] = form
    return render(request, "desk/profile.html", context, status=400)
