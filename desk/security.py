"""Who must confirm a login with a TOTP code, and whose sessions end sooner.

Owners (of any shop), staff and superusers move money without a limit and change every shop
setting, so a password alone does not open the desk, the admin or the API for them: after the
password they give the 6-digit code of their authenticator (django-otp), and one without an
authenticator sets one up first. Agents may set one up; once they have, they are asked too.
Their sessions also end when the browser closes and after POSTSALE_STAFF_SESSION_IDLE seconds
without a request; agents keep Django's two weeks.

What applies to a session is decided when it logs in (`on_login`) and kept in the session, so a
page costs no query for it; being made staff or superuser counts at once.

API tokens are not affected: scripts send a token, not a session, and nothing here sees them.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orders import tenancy
from orders.models import Role

logger = logging.getLogger(__name__)

PRIVILEGED = "postsale_privileged"
SECOND_FACTOR = "postsale_second_factor"
SEEN = "postsale_seen"
# A session is written at most this often just to say it is still in use.
SEEN_RESOLUTION_SECONDS = 60

# Reachable between the password and the code: logging in and out, the code and set-up pages,
# the language switch, and what buyers and providers use.
OPEN_PATHS = (
    "/accounts/",
    "/admin/login/",
    "/admin/logout/",
    "/i18n/",
    "/portal/",
    "/returns/",
    "/hooks/",
    "/anymail/",
)


def is_privileged(user) -> bool:
    """Owner of a shop, staff or superuser: the people a second factor is required of."""
    if user.is_staff or user.is_superuser:
        return True
    return tenancy.shops_of(user, roles=[Role.OWNER]).exists()


def has_device(user) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def needs_second_factor(user, *, privileged: bool) -> bool:
    return has_device(user) or (privileged and settings.POSTSALE_REQUIRE_2FA)


def on_login(sender, request, user, **kwargs):
    """user_logged_in: what this session will ask of its user."""
    session = getattr(request, "session", None)
    if session is None:
        return
    privileged = is_privileged(user)
    session[PRIVILEGED] = privileged
    session[SECOND_FACTOR] = needs_second_factor(user, privileged=privileged)
    if privileged:
        # Gone with the browser; StaffSessionMiddleware ends it sooner when idle.
        session.set_expiry(0)
        session[SEEN] = int(time.time())


def _session_rules(request) -> tuple[bool, bool]:
    """(privileged, needs a second factor) for the logged-in user of this request."""
    session = request.session
    if PRIVILEGED not in session:  # a session from before these rules: decide once
        on_login(None, request, request.user)
    privileged = session[PRIVILEGED] or request.user.is_staff or request.user.is_superuser
    second_factor = session[SECOND_FACTOR] or (privileged and settings.POSTSALE_REQUIRE_2FA)
    return privileged, second_factor


class StaffSessionMiddleware:
    """Ends an owner's or staff member's session after POSTSALE_STAFF_SESSION_IDLE idle seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and _session_rules(request)[0]:
            now = int(time.time())
            seen = request.session.get(SEEN, now)
            if now - seen > settings.POSTSALE_STAFF_SESSION_IDLE:
                # Checked here, on the server: a copied cookie is as idle as the session it came from.
                logout(request)
            elif now - seen >= SEEN_RESOLUTION_SECONDS or SEEN not in request.session:
                request.session[SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Sends a logged-in user who still owes their TOTP code to the code page, before any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PATHS + (settings.STATIC_URL,))
            and _session_rules(request)[1]
            and not user.is_verified()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Confirm your login with the code from your authenticator app first.")},
                    status=403,
                )
            return redirect(f"{reverse('second_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


# --- setting up and giving the code -------------------------------------------------------

BACKUP_CODES = 10


def second_factor_device(user):
    """The authenticator being set up: the user's unconfirmed TOTP device, made if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def second_factor_confirm(*, request, device, code: str) -> list[str] | None:
    """Confirm the authenticator being set up with its first code; returns new backup codes, or None.

    The session counts as confirmed at once, and the backup codes are shown this one time.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
    if not device.verify_token(code.strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    backup, _created = StaticDevice.objects.get_or_create(
        user=device.user, name="backup", defaults={"confirmed": True}
    )
    backup.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=each) for each in codes])
    otp_login(request, device)
    request.session[SECOND_FACTOR] = True
    logger.info("second factor set up for user %s", device.user.pk)
    return codes


def second_factor_verify(*, request, code: str) -> bool:
    """Check a code from the authenticator or a backup code; throttled per device by django-otp."""
    code = code.strip().replace(" ", "")
    with transaction.atomic():
        for device in devices_for_user(request.user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                otp_login(request, device)
                return True
    logger.warning("wrong second-factor code for user %s", request.user.pk)
    return False


# --- login throttling ---------------------------------------------------------------------


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer once a user name has had too many wrong passwords from one address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
