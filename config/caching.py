"""Dropping cached copies of rows that just changed."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save


def forget(keys) -> None:
    """Delete these cache keys now, and again when the current transaction commits.

    Again at commit: a request that read the old rows while the change was
    still uncommitted may have cached them in between.
    """
    keys = list(keys)
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_on_change(model, keys, *, uid: str) -> None:
    """Whenever a row of `model` is saved or deleted, forget the keys `keys(row)` names.

    For the row as it was too (read before the save): a renamed slug or code must
    not keep answering under its old name.
    """

    def before(sender, instance, **kwargs):
        if instance.pk:
            stored = model._default_manager.filter(pk=instance.pk).first()
            if stored is not None:
                forget(keys(stored))

    def after(sender, instance, **kwargs):
        forget(keys(instance))

    # weak=False: the receivers are closures, kept alive by the signal itself.
    pre_save.connect(before, sender=model, weak=False, dispatch_uid=f"{uid}-before")
    post_save.connect(after, sender=model, weak=False, dispatch_uid=f"{uid}-saved")
    post_delete.connect(after, sender=model, weak=False, dispatch_uid=f"{uid}-deleted")
