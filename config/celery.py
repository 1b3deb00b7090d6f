import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("postsale")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **kwargs):
    # What Django does around each web request: drop a connection that broke
    # (PostgreSQL restarted, a failover) or outlived CONN_MAX_AGE, keep the rest.
    # Not for a task run eagerly inside the caller's transaction (tests).
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
