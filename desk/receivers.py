"""How the desk hears of changes below it: a saved case moves the queue's count generation on."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.models import Case

from .queue import cases_changed


@receiver(post_save, sender=Case, dispatch_uid="desk-view-counts")
@receiver(post_delete, sender=Case, dispatch_uid="desk-view-counts-delete")
def case_saved(sender, instance, **kwargs) -> None:
    """The queue's view counts follow every saved case (desk.queue.view_counts)."""
    cases_changed(instance.shop_id)
