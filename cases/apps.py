from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from . import receivers, refunds, shop_orders  # noqa: F401  (connects them; registers their outbound kinds)
        from .sla import connect_signals

        connect_signals()
