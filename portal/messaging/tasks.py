from __future__ import annotations

from celery import shared_task

from .services import acknowledgements_remind


@shared_task
def acknowledgements_remind_task() -> int:
    """Remind addressees who have not acknowledged; idempotent within one interval."""
    return acknowledgements_remind()
