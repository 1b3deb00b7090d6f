from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        from . import outbound
        from .lookup import connect_signals

        connect_signals()
        # The kernel's refund gateways and outbound senders: filled from up here, so it never imports us.
        outbound.register()
