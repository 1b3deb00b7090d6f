"""Moving a test's database back and forth through the migrations, as `manage.py migrate` does."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets):
    """The schema as `targets` left it, and the models of that moment."""
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def migrate_to_latest():
    """The schema of today's code, and its models as the migrations describe them."""
    apps = migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return apps
