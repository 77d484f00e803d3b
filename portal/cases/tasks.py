"""Celery tasks of cases: each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from portal.core import retry


@shared_task(**retry.once())
def case_new_notify_task(case_id: int) -> int:
    """After a case is filed: its agency's administrators are told (see case_new_notify)."""
    from .services import case_new_notify

    return case_new_notify(case_id=case_id)


@shared_task(**retry.sweep())
def acceptance_overdue_sweep_task() -> int:
    """Hourly: the committee's administrators hear of each acceptance deadline missed."""
    from .services.overdue import acceptance_overdue_sweep

    return acceptance_overdue_sweep()
