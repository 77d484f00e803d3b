"""Celery tasks of referrals: each calls one service."""

from __future__ import annotations

from celery import shared_task

from portal.core import retry


@shared_task(**retry.sweep())
def referral_overdue_sweep_task() -> int:
    """Mark, announce and escalate late referral steps (idempotent; run by beat)."""
    from .overdue import referral_overdue_sweep

    result = referral_overdue_sweep()
    return result.notifications
