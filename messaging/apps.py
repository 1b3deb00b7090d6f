from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        # Connect the kernel's and anymail's signals, and register the webhook check.
        from . import checks, receivers, webhooks  # noqa: F401
