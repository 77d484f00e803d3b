"""Celery tasks of clues: each calls one service."""

from __future__ import annotations

from celery import shared_task

from portal.core import retry


@shared_task(**retry.sweep())
def clue_overdue_sweep_task() -> int:
    """Mark, announce and escalate late clue clocks (idempotent; run by beat)."""
    from .overdue import clue_overdue_sweep

    return clue_overdue_sweep().notifications
