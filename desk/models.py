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


class CasePresence(models.Model):
    """Who has a case open in the desk right now, and who is writing to its buyer.

    Refreshed by the case page every few seconds while it is open; a row older than
    `desk.presence.FRESH` means the agent has gone. One row per agent and case, so the
    table holds at most what agents looked at, and the cleanup removes old rows.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(_("last seen"))
    typing_at = models.DateTimeField(_("last typed a reply"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent on a case")
        verbose_name_plural = _("agents on cases")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="presence_unique_case_user")]
        indexes = [models.Index(fields=["case", "seen_at"], name="presence_case_seen")]

    def __str__(self):
        return f"{self.user} on {self.case_id}"


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


class SavedView(models.Model):
    """An agent's own queue view: filters, sort and search as the queue's address has them.

    Personal views are the agent's alone; a shared one is offered to everyone who works for
    its shop. A view belongs to one shop, so that another shop's people never see its name.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("agent"),
    )
    shop = models.ForeignKey(
        "orders.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("shop")
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    shared = models.BooleanField(_("shared with the shop's team"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="savedview_unique_name_per_user")
        ]

    def __str__(self):
        return self.name
