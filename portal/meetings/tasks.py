"""Celery tasks of meetings: each takes ids and calls one service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from portal.core import retry

if TYPE_CHECKING:
    from .services import SweepResult


@shared_task(bind=True, **retry.once())
def meeting_invitation_send_task(  # type: ignore[no-untyped-def]
    self,
    meeting_id: int,
    method: str,
    sequence: int,
    user_ids: list[int] | None = None,
    emails: list[str] | None = None,
) -> int:
    from .services import invitation_send

    try:
        return invitation_send(
            meeting_id=meeting_id,
            method=method,
            sequence=sequence,
            user_ids=user_ids,
            emails=emails,
        )
    except OSError as exc:  # the mail server may answer on a later try
        raise self.retry(exc=exc, countdown=retry.backoff(self.request.retries)) from exc


@shared_task(**retry.sweep())
def meeting_reminders_send_task() -> int:
    from .services import meeting_reminders_send

    return meeting_reminders_send()


@shared_task(**retry.sweep())
def action_items_overdue_sweep_task() -> SweepResult:
    from .services import action_items_overdue_sweep

    return action_items_overdue_sweep()
