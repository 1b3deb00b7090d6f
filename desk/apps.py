from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Desk")

    def ready(self):
        from config.auth import connect_signals
        from config.roles import ensure_roles

        connect_signals()

        # Once per migrate or flush, after the last app: its permissions exist by then.
        last = list(apps.get_app_configs())[-1]
        post_migrate.connect(ensure_roles, sender=last, dispatch_uid="postsale-ensure-roles")
