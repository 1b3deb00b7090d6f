"""The project's own tables: what the API remembers of a client's retried writes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` a user sent with an API write, and the answer it got.

    The row is written in the same transaction as the write itself: either both are
    stored or neither, so a retry never finds a key whose work was lost, nor work
    without its key. Only successful (2xx) answers are kept; a refused request leaves
    the key free to be used again with corrected input.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    # SHA-256 of method, path and body: the same key with another request is a client's bug.
    fingerprint = models.CharField(max_length=64)
    # Empty while the first request runs (no other transaction sees the row until then).
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self):
        return self.key
