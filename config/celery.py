import os

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_init
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("postsale")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from . import worker_watchdog  # noqa: E402, F401  (connects its signals: a stuck worker exits)


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


@worker_init.connect
@beat_init.connect
def _refuse_unsafe_secrets(**kwargs):
    # A worker signs the portal links in e-mails and decrypts integrations' secrets: the same
    # refusal as the web server's (config/checks.py). Celery logs and ignores an Exception from
    # a signal handler, so the worker stops with SystemExit. (Imported here: config/__init__
    # loads this module before the settings exist.)
    from .checks import refuse_unsafe_secrets

    try:
        refuse_unsafe_secrets()
    except ImproperlyConfigured as exc:
        raise SystemExit(str(exc)) from exc
