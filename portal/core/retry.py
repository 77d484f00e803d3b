"""How Celery tasks retry: what counts as a passing fault, and how long to wait.

A database restarted under a worker (OperationalError, InterfaceError) answers again in
seconds: every task that reads or writes it retries on those errors, with exponential
back-off and jitter, capped (CELERY_RETRY_BACKOFF_MAX) so that a countdown the worker holds
and the run after it stay inside the broker's visibility timeout. Every task is idempotent
(a dedupe key, a row lock and a status, or a done-marker), so a retry repeats nothing.

`ONCE` is for tasks that are acknowledged late: a worker killed mid-run gives them back.
`SWEEP` is for the sweeps beat runs: acknowledged early (a lost run is done by the next one)
with a longer time limit, for they walk every late item."""

from __future__ import annotations

from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError

DB_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
# The database, or the disk or a mail server (OSError), may answer on a later try.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, OSError)


def _common() -> dict[str, Any]:
    return {
        "autoretry_for": DB_ERRORS,
        "retry_backoff": 1,
        "retry_backoff_max": settings.CELERY_RETRY_BACKOFF_MAX,
        "retry_jitter": True,
        "max_retries": 8,
        "default_retry_delay": settings.CELERY_RETRY_BACKOFF_MAX,
    }


def once() -> dict[str, Any]:
    """Options of a task sent by a request (through the outbox): acknowledged late."""
    return {**_common(), "acks_late": True}


def sweep() -> dict[str, Any]:
    """Options of a periodic sweep run by beat."""
    return {**_common(), "acks_late": False, "soft_time_limit": 600, "time_limit": 660}


def backoff(retries: int) -> int:
    """The countdown before retry number `retries` + 1 of a task that retries by hand."""
    return get_exponential_backoff_interval(
        factor=1, retries=retries, maximum=settings.CELERY_RETRY_BACKOFF_MAX, full_jitter=True
    )
