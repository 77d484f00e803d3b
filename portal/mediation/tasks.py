"""Celery tasks of mediation: each calls one service."""

from __future__ import annotations

from celery import shared_task

from portal.core import retry


@shared_task(**retry.sweep())
def mediation_terms_warn_task() -> int:
    """Warn of mediation terms about to end (idempotent; run by beat)."""
    from .services import mediation_terms_warn

    return mediation_terms_warn()


@shared_task(**retry.sweep())
def instalments_missed_sweep_task() -> int:
    """Mark unpaid instalments past their day as missed and alert (idempotent; beat)."""
    from .services import instalments_missed_sweep

    return instalments_missed_sweep()
