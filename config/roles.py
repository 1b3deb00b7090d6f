"""The groups Postsale ships with, kept in step by data migrations.

Permissions are normally created after all migrations ran; a migration that
grants them must create them first, hence `create_permissions` below.
"""

from django.contrib.auth.management import create_permissions

AGENTS = "Agents"
OWNERS = "Owners"
INTEGRATIONS = "Integrations"


def grant(apps, schema_editor, grants: dict[str, list[str]]) -> None:
    """grants: group name -> ["app_label.codename", ...]."""
    from django.apps import apps as global_apps

    for app_config in apps.get_app_configs():
        if apps is global_apps:
            create_permissions(app_config, verbosity=0)
            continue
        # A migration's historical apps have no models module; create_permissions needs one.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, labels in grants.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for label in labels:
            app_label, codename = label.split(".")
            permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)


def model_perms(app_label: str, models: list[str], actions=("view", "add", "change", "delete")) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


def ensure_roles(sender=None, **kwargs) -> None:
    """Re-apply every app's `*_roles` migration to the current models.

    Connected to post_migrate: a database that was flushed (a test that empties
    it, `manage.py flush`) gets its groups back, exactly as the migrations made
    them.
    """
    import importlib
    import pkgutil

    from django.apps import apps as global_apps

    for app_config in global_apps.get_app_configs():
        try:
            package = importlib.import_module(f"{app_config.name}.migrations")
        except ModuleNotFoundError:
            continue
        for module in pkgutil.iter_modules(package.__path__):
            if module.name.endswith("_roles"):
                importlib.import_module(f"{package.__name__}.{module.name}").forwards(global_apps, None)
