"""The agent's own settings: the language the desk speaks to them, and their two-factor login."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .. import security
from ..forms import LanguageForm
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
    context = {"form": form, "has_authenticator": security.has_device(request.user)}
    return render(request, "desk/profile.html", context)
