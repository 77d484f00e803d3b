"""Celery tasks of the core: each takes ids and calls one service."""

from __future__ import annotations

import contextlib
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from . import retry
from .stored_text import shown, stored_text


@shared_task(bind=True, **retry.once())
def document_render_task(self, document_id: int) -> None:  # type: ignore[no-untyped-def]
    from .documents import document_fail, document_render

    try:
        document_render(document_id=document_id)
    except retry.TRANSIENT_ERRORS as exc:
        # Transient: the database or the disk may answer on a later try.
        if self.request.retries >= self.max_retries or getattr(self.request, "is_eager", False):
            # A database still away leaves it pending: the outbox sends the task again.
            with contextlib.suppress(*retry.DB_ERRORS):
                document_fail(document_id=document_id, error=repr(exc))
            raise
        raise self.retry(exc=exc, countdown=retry.backoff(self.request.retries)) from exc
    except Exception as exc:
        # A template or data error will fail the same way again: mark it failed at once.
        document_fail(document_id=document_id, error=repr(exc))
        raise


@shared_task(bind=True, **retry.once())
def notification_email_many_task(self, notification_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    """The emails of a batch of notifications: one task, one query to load them. Each is
    marked emailed as it goes, so a retry (mail server or database away) sends only the rest."""
    from .models import Notification

    pending = list(
        Notification.objects.select_related("recipient")
        .filter(pk__in=notification_ids, emailed_at__isnull=True)
        .exclude(recipient__email="")
    )
    sent: list[int] = []
    try:
        for notification in pending:
            send_mail(*_email(notification), None, [notification.recipient.email])
            sent.append(notification.pk)
    except OSError as exc:
        # Mark what went out, retry the rest only.
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
        rest = [n.pk for n in pending if n.pk not in sent]
        raise self.retry(
            exc=exc, args=[rest], countdown=retry.backoff(self.request.retries)
        ) from exc
    Notification.objects.filter(pk__in=sent, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )


@shared_task(**retry.sweep())
def outbox_sweep_task() -> int:
    """Every minute (beat): publish again the after-commit tasks not yet done."""
    from .outbox import outbox_sweep

    return outbox_sweep()


@shared_task(**retry.sweep())
def calendar_next_year_check_task() -> int:
    """Warn every agency admin (once per year) of each year they must enter: a year an open
    deadline falls in that nobody has entered and the library lacks, whatever the month, and
    from 1 November next year."""
    from .deadlines import calendar_missing_years
    from .models import Role, User
    from .notifications import notify

    admins = User.objects.filter(
        is_active=True,
        membership__active=True,
        membership__roles__icontains=f'"{Role.AGENCY_ADMIN}"',
    )
    created = 0
    for year in calendar_missing_years(timezone.localdate()):
        created += len(
            notify(
                recipients=admins,
                title=stored_text(
                    gettext_lazy("Enter the holiday calendar of %(year)s"), year=year
                ),
                body=stored_text(
                    gettext_lazy(
                        "Deadlines that end in %(year)s are provisional until the State "
                        "Council's holiday notice for that year is entered in the admin "
                        "(holiday years)."
                    ),
                    year=year,
                ),
                url="/admin/core/holidayyear/",
                dedupe_key=f"calendar-missing-{year}",
            )
        )
    return created


@shared_task(**retry.sweep())
def appointment_expiry_sweep_task() -> int:
    from .people import appointments_expire

    return appointments_expire(today=timezone.localdate())


def _email(notification: Any) -> tuple[str, str]:
    """Subject and body of a notification's email, in the portal's language (core.stored_text)."""
    with translation.override(settings.LANGUAGE_CODE):
        body = shown(notification.body)
        if notification.url:
            body = f"{body}\n\n{settings.PORTAL_BASE_URL}{notification.url}"
        return shown(notification.title), body
