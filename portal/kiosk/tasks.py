"""Celery tasks of the kiosk: each calls one service."""

from __future__ import annotations

from celery import shared_task

from portal.core import retry


@shared_task(**retry.sweep())
def kiosk_drafts_purge_task() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): expired saved drafts and orphaned draft files go."""
    from .services import kiosk_drafts_purge

    return kiosk_drafts_purge()
