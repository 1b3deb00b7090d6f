"""The second step of a login: the code from the authenticator app, and setting one up."""

from __future__ import annotations

from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from .. import security


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or settings.LOGIN_REDIRECT_URL
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return settings.LOGIN_REDIRECT_URL
    return target


@never_cache
@login_required
def second_factor_view(request):
    if request.user.is_verified():
        return redirect(_next(request))
    if not security.has_device(request.user):
        return redirect(f"{reverse('second_factor_setup')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if security.second_factor_verify(request=request, code=form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error(
            "code",
            _(
                "That code is not right, or came too soon after a wrong one. Wait for the next code and try again."
            ),
        )
    return render(request, "registration/second_factor.html", {"form": form, "next": _next(request)})


@never_cache
@login_required
def second_factor_setup_view(request):
    # Once an authenticator is confirmed, a password alone can never replace it: only a
    # superuser removes a lost one (admin, TOTP devices).
    if security.has_device(request.user):
        return redirect(_next(request))
    device = security.second_factor_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = security.second_factor_confirm(request=request, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            return render(
                request,
                "registration/second_factor_backup_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try the next code.")
        )
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _next(request),
        "qr_svg": _qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "config_url": device.config_url,
        "required": security.is_privileged(request.user) and settings.POSTSALE_REQUIRE_2FA,
    }
    return render(request, "registration/second_factor_setup.html", context)


def _qr_svg(text: str) -> str:
    # Inline <svg> markup, drawn here from our own URI: no image request and no data: URL for the
    # Content-Security-Policy to allow.
    out = BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    svg = out.getvalue().decode()
    return mark_safe(svg[svg.index("<svg") :])  # noqa: S308 (our own drawing, no user text in it)
