"""Who may call an endpoint: Django model permissions, as the groups in config/roles.py grant them."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


def has_perms(*perms: str) -> type[BasePermission]:
    """A DRF permission class that asks the user for Django model permissions."""

    class HasPerms(BasePermission):
        message = _("You do not have permission to do this.")

        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(perms))

    HasPerms.__name__ = "HasPerms_" + "_".join(p.replace(".", "_") for p in perms)
    return HasPerms
