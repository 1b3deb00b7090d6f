from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class PostsaleConfig(AppConfig):
    """The project's own wiring: cached permission sets, and the groups every database gets."""

    name = "config"
    label = "postsale"
    verbose_name = "Postsale"

    def ready(self):
        from . import checks  # noqa: F401  (registers the secrets' system checks)
        from .auth import connect_signals
        from .roles import ensure_roles

        connect_signals()

        # Once per migrate or flush, after the last app with models: its permissions exist by then.
        last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        post_migrate.connect(ensure_roles, sender=last, dispatch_uid="postsale-ensure-roles")
