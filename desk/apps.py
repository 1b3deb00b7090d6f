from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Desk")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import bundle, receivers  # noqa: F401 (receivers connect themselves)
        from .security import on_login

        user_logged_in.connect(on_login, dispatch_uid="postsale-session-rules")
        # The worker that sends a dispute's evidence to Stripe draws the same bundle the desk offers.
        bundle.register()
