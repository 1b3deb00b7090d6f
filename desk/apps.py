from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Desk")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from cases.models import Case

        from . import bundle
        from .queue import cases_changed
        from .security import on_login

        def case_saved(sender, instance, **kwargs):
            cases_changed(instance.shop_id)

        # The queue's view counts follow every saved case (desk.queue.view_counts).
        post_save.connect(case_saved, sender=Case, dispatch_uid="desk-view-counts")
        post_delete.connect(case_saved, sender=Case, dispatch_uid="desk-view-counts-delete")
        user_logged_in.connect(on_login, dispatch_uid="postsale-session-rules")
        # The worker that sends a dispute's evidence to Stripe draws the same bundle the desk offers.
        bundle.register()
