"""Benchmark-only Celery tasks (B8), loaded into a worker with ``celery -A config worker -I
bench.celery_tasks``; never part of the portal. They run under the portal's own Celery app and
settings.

- ``bench.b8.noop`` records when it started (Redis list ``bench:b8:started``), nothing else;
- ``bench.b8.effect`` records each attempt, sleeps, performs its side effect, sleeps again: the
  side effect is an insert guarded by a primary key (idempotent by design, like the portal's
  ``emailed_at IS NULL`` and row-lock guards), and beside it an unguarded counter that shows
  how often a naive side effect would have been repeated.
"""

from __future__ import annotations

import json
import os
import time

import redis
from celery import shared_task
from django.conf import settings
from django.db import connection

STARTED_KEY = "bench:b8:started"

SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_b8_attempt (
    id bigserial PRIMARY KEY,
    trial integer NOT NULL,
    pid integer NOT NULL,
    started_at double precision NOT NULL,
    effect_inserted boolean,
    finished_at double precision
);
CREATE TABLE IF NOT EXISTS bench_b8_effect (
    trial integer PRIMARY KEY,
    pid integer NOT NULL,
    at double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_b8_naive (
    trial integer PRIMARY KEY,
    times integer NOT NULL
);
"""

_redis: redis.Redis | None = None


def _client() -> redis.Redis:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


@shared_task(name="bench.b8.noop", ignore_result=True)
def noop_task(seq: int) -> None:
    _client().rpush(STARTED_KEY, json.dumps([seq, time.time()]))


@shared_task(name="bench.b8.effect", ignore_result=True)
def effect_task(trial: int, before: float, after: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_b8_attempt (trial, pid, started_at) VALUES (%s, %s, %s) "
            "RETURNING id",
            [trial, os.getpid(), time.time()],
        )
        attempt = cursor.fetchone()[0]
    time.sleep(before)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_b8_effect (trial, pid, at) VALUES (%s, %s, %s) "
            "ON CONFLICT (trial) DO NOTHING",
            [trial, os.getpid(), time.time()],
        )
        inserted = cursor.rowcount == 1
        cursor.execute(
            "INSERT INTO bench_b8_naive (trial, times) VALUES (%s, 1) "
            "ON CONFLICT (trial) DO UPDATE SET times = bench_b8_naive.times + 1",
            [trial],
        )
        cursor.execute(
            "UPDATE bench_b8_attempt SET effect_inserted = %s WHERE id = %s", [inserted, attempt]
        )
    time.sleep(after)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bench_b8_attempt SET finished_at = %s WHERE id = %s", [time.time(), attempt]
        )
