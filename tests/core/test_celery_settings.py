"""The production Celery settings keep a task whose worker is killed mid-run: it goes back to the
queue within about a minute, once, and a running or waiting task is not handed out twice
(bench/b8_celery.py kills workers with SIGKILL to show it). The worker outlives a broker restart,
and every task retries when the database restarts.

Each case reads the settings in a fresh interpreter with a Redis broker, as in production."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup()\n"
    "from config.celery import app\n"
    "app.loader.import_default_modules()\n"
    "conf = app.conf\n"
    "print(json.dumps({\n"
    "    'broker': conf.broker_url,\n"
    "    'acks_late': conf.task_acks_late,\n"
    "    'reject_on_worker_lost': conf.task_reject_on_worker_lost,\n"
    "    'prefetch': conf.worker_prefetch_multiplier,\n"
    "    'transport': conf.broker_transport_options,\n"
    "    'retry_delays': {name: task.default_retry_delay for name, task in app.tasks.items()\n"
    "                     if name.startswith('portal.') and task.max_retries},\n"
    "    'time_limit': conf.task_time_limit,\n"
    "    'soft_time_limit': conf.task_soft_time_limit,\n"
    "    'connection_retry': conf.broker_connection_retry,\n"
    "    'connection_retry_on_startup': conf.broker_connection_retry_on_startup,\n"
    "    'connection_max_retries': conf.broker_connection_max_retries,\n"
    "    'tasks': {name: {\n"
    "        'acks_late': task.acks_late if task.acks_late is not None else conf.task_acks_late,\n"
    "        'time_limit': task.time_limit or conf.task_time_limit,\n"
    "        'backoff_max': getattr(task, 'retry_backoff_max', None),\n"
    "        'autoretry_for': sorted(e.__name__ for e in getattr(task, 'autoretry_for', ())),\n"
    "    } for name, task in app.tasks.items() if name.startswith('portal.')},\n"
    "}))\n"
)


@functools.cache
def production_defaults() -> dict[str, Any]:
    """The production settings as they come (read once for the module's tests)."""
    return production_celery()


def production_celery(**variables: str) -> dict[str, Any]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "DJANGO_", "REDIS_", "DATABASE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="a-production-secret",
        DATABASE_URL="postgres://portal:pw@db:5432/portal",
        REDIS_URL="redis://redis:6379/0",
        **variables,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_task_whose_worker_process_dies_goes_back_to_the_queue_instead_of_being_acknowledged():
    conf = production_defaults()
    assert conf["broker"] == "redis://redis:6379/0"
    assert conf["acks_late"] is True
    assert conf["reject_on_worker_lost"] is True
    assert conf["prefetch"] == 1


def test_a_killed_workers_tasks_come_back_within_about_a_minute():
    conf = production_defaults()
    transport = conf["transport"]
    assert transport["visibility_timeout"] <= 60
    # kombu looks for them every unacked_restore_interval * unacked_restore_throttle seconds.
    assert transport["unacked_restore_interval"] * transport["unacked_restore_throttle"] <= 10


def test_no_late_acknowledged_task_is_handed_out_twice_while_it_runs_or_waits_to_retry():
    """Redis hands a task out again once it has been unacknowledged for the visibility timeout:
    a countdown the worker holds plus the run after it must end sooner (the time limit kills a
    hung task first)."""
    conf = production_defaults()
    timeout = conf["transport"]["visibility_timeout"]
    late = {name: task for name, task in conf["tasks"].items() if task["acks_late"]}
    assert "portal.cases.tasks.case_new_notify_task" in late
    assert "portal.core.tasks.document_render_task" in late
    for name, task in late.items():
        assert task["time_limit"] + task["backoff_max"] < timeout, name
        assert task["time_limit"] + conf["retry_delays"][name] < timeout, name
    assert conf["soft_time_limit"] < conf["time_limit"]


def test_every_task_retries_when_the_database_connection_is_lost():
    conf = production_defaults()
    assert conf["tasks"]
    for name, task in conf["tasks"].items():
        assert {"OperationalError", "InterfaceError"} <= set(task["autoretry_for"]), name


def test_the_worker_reconnects_to_a_restarted_broker_for_good_instead_of_exiting():
    conf = production_defaults()
    assert conf["connection_retry"] is True
    assert conf["connection_retry_on_startup"] is True
    assert conf["connection_max_retries"] is None


def test_the_visibility_timeout_comes_from_the_environment():
    conf = production_celery(CELERY_VISIBILITY_TIMEOUT="3")
    assert conf["transport"]["visibility_timeout"] == 3.0
