"""The desk's own settings per agent or owner."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgentProfile(models.Model):
    """Per-user desk settings: the language the desk speaks to this agent or owner."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_profile"
    )
    language = models.CharField(_("desk language"), max_length=2, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("desk profile")
        verbose_name_plural = _("desk profiles")

    def __str__(self):
        return f"{self.user} ({self.language or '-'})"


# The report rollups live in their own package; Django finds models through this module.
from .rollups.models import (  # noqa: E402, F401
    CaseDay,
    ClaimDay,
    MoneyDay,
    ProductDay,
    ReasonDay,
    RollupDirty,
    RollupState,
    ShipmentDay,
    WaitingHour,
)
