from __future__ import annotations

from celery import shared_task

from portal.core import retry

from .services import acknowledgements_remind


@shared_task(**retry.sweep())
def acknowledgements_remind_task() -> int:
    """Remind addressees who have not acknowledged; idempotent within one interval."""
    return acknowledgements_remind()
