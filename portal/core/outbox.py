"""The transactional outbox: every task a transaction asks for after commit goes through here.

`enqueue_after_commit(task, *args)` writes an OutboxTask row in the caller's transaction and
publishes the task once that transaction commits, under the task id `outbox-<row id>`. A
worker that finishes the task marks the row done (a `task_success` receiver; retries keep the
task id). A publish that fails (the broker is restarting) is logged, not raised: the request
that committed answers normally, and `outbox_sweep` (beat, every minute) publishes the row
again; so does a row published but not done after OUTBOX_RESEND_AFTER_SECONDS (a message the
broker lost), up to OUTBOX_MAX_ATTEMPTS. The tasks are idempotent, so a second delivery repeats
nothing."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from .models import OutboxTask

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
# What a publish raises while the broker is away.
PUBLISH_ERRORS: tuple[type[Exception], ...] = (KombuError, RedisError, ConnectionError)
SWEEP_BATCH = 500


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> OutboxTask:
    """Keep `task(*args, **kwargs)` in the database with the caller's writes; publish it
    after commit. Arguments must be JSON (ids, strings, lists of them)."""
    row = OutboxTask.objects.create(
        task=task.name, args=list(args), kwargs=kwargs, sent_at=timezone.now()
    )
    transaction.on_commit(lambda: _publish(row))
    return row


def task_id(row_id: int) -> str:
    return f"{TASK_ID_PREFIX}{row_id}"


def _publish(row: OutboxTask) -> bool:
    try:
        current_app.tasks[row.task].apply_async(
            args=row.args, kwargs=row.kwargs, task_id=task_id(row.pk)
        )
    except PUBLISH_ERRORS:
        logger.warning("outbox: publishing %s failed; the sweep sends it again", row.task)
        try:
            OutboxTask.objects.filter(pk=row.pk, done_at__isnull=True).update(sent_at=None)
        except Exception:  # the database too: the sweep resends it once it is stale
            logger.exception("outbox: could not mark %s unsent", row.pk)
        return False
    return True


def outbox_done(task_id_: str | None) -> int:
    """Mark the outbox row of a finished task done (the task_success receiver)."""
    if not task_id_ or not task_id_.startswith(TASK_ID_PREFIX):
        return 0
    try:
        row_id = int(task_id_.removeprefix(TASK_ID_PREFIX))
    except ValueError:
        return 0
    return OutboxTask.objects.filter(pk=row_id, done_at__isnull=True).update(done_at=timezone.now())


def outbox_sweep(*, now: datetime.datetime | None = None) -> int:
    """Publish again what was never published or never done; forget rows done long ago.
    Each row is claimed with a conditional update, so two sweeps do not both send it. Stops
    at the first failed publish (the broker is still away). Returns how many were sent."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS)
    due = list(
        OutboxTask.objects.filter(done_at__isnull=True, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
        .filter(Q(sent_at__isnull=True) | Q(sent_at__lt=stale))
        .order_by("pk")[:SWEEP_BATCH]
    )
    sent = 0
    for row in due:
        claimed = OutboxTask.objects.filter(pk=row.pk, sent_at=row.sent_at, done_at__isnull=True)
        if not claimed.update(sent_at=now, attempts=F("attempts") + 1):
            continue
        if not _publish(row):
            break
        sent += 1
    kept_since = now - datetime.timedelta(days=settings.OUTBOX_KEEP_DONE_DAYS)
    OutboxTask.objects.filter(done_at__lt=kept_since).delete()
    return sent
