from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = _("Returns")

    def ready(self):
        from . import receivers  # noqa: F401  answers the case kernel's hooks
        from .services import carrier_label

        # What a bought carrier label means for the return (cases.outbound's kind hooks).
        carrier_label.register()
