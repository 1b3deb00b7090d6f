"""Celery as configured: a killed worker's task comes back, no task runs forever, sweeps are not stuck behind sends."""

import pytest
from django.conf import settings

from config.celery import app

OUR_APPS = ("cases.", "claims.", "decisions.", "messaging.", "returns.", "integrations.", "orders.", "desk.")
SWEEPS = (
    "messaging.tasks.outbox_sweep",
    "messaging.tasks.inbound_sweep",
    "cases.tasks.outbound_sweep",
    "integrations.tasks.sweep_inbound_events",
)


def our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(OUR_APPS)}


def test_a_task_is_acknowledged_only_after_it_ran_and_comes_back_if_its_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    for name, task in our_tasks().items():
        assert task.acks_late, name


def test_every_task_has_time_limits_within_the_brokers_visibility_timeout():
    if "visibility_timeout" not in settings.CELERY_BROKER_TRANSPORT_OPTIONS:
        pytest.skip("the filesystem broker has no visibility timeout")
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    tasks = our_tasks()
    assert set(SWEEPS) <= set(tasks)
    for name, task in tasks.items():
        # Its own limits, or the defaults (CELERY_TASK_*_TIME_LIMIT): never none.
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard, name
        assert soft < hard < visibility, name


def test_claims_are_taken_over_only_after_the_send_tasks_hard_limit():
    tasks = our_tasks()
    assert tasks["messaging.tasks.send_message"].time_limit < settings.POSTSALE_EMAIL_STALE_SECONDS
    assert tasks["cases.tasks.send_outbound_call"].time_limit < settings.POSTSALE_OUTBOUND_STALE_SECONDS
    assert tasks["messaging.tasks.process_inbound_delivery"].time_limit < settings.POSTSALE_INBOUND_STALE_SECONDS


def test_sweeps_run_on_their_own_queue_and_sends_on_the_default_one():
    router = app.amqp.router
    for name in SWEEPS:
        assert router.route({}, name)["queue"].name == "sweeps", name
    assert router.route({}, "messaging.tasks.send_message")["queue"].name == app.conf.task_default_queue


def test_every_sweep_is_scheduled_every_minute_by_default():
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in SWEEPS:
        assert scheduled[name] == 60, name


def test_database_connections_are_checked_before_reuse():
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("SQLite keeps no connection to check")
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
