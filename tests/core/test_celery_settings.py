"""The production Celery settings keep a task whose worker is killed mid-run: it goes back to the
queue, once, and a running or waiting task is not handed out twice (bench/b8_celery.py kills
workers with SIGKILL to show it).

Each case reads the settings in a fresh interpreter with a Redis broker, as in production."""

from __future__ import annotations

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
    "}))\n"
)


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
    conf = production_celery()
    assert conf["broker"] == "redis://redis:6379/0"
    assert conf["acks_late"] is True
    assert conf["reject_on_worker_lost"] is True
    assert conf["prefetch"] == 1


def test_redis_hands_an_unacknowledged_task_out_again_only_after_every_retry_countdown():
    conf = production_celery()
    timeout = conf["transport"]["visibility_timeout"]
    assert timeout == 3600
    # A task waiting for its retry countdown sits unacknowledged in a worker: were the timeout
    # shorter, Redis would give it to a second worker while the first still holds it.
    assert conf["retry_delays"], "the portal's retrying tasks were not found"
    assert timeout > 10 * max(conf["retry_delays"].values())


def test_the_visibility_timeout_comes_from_the_environment():
    conf = production_celery(CELERY_VISIBILITY_TIMEOUT="3")
    assert conf["transport"]["visibility_timeout"] == 3.0
