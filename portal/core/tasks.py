"""Celery tasks of the core: each takes ids and calls one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from .stored_text import shown, stored_text


@shared_task(bind=True, max_retries=3, default_retry_delay=30)
def document_render_task(self, document_id: int) -> None:  # type: ignore[no-untyped-def]
    from django.db import OperationalError

    from .documents import document_fail, document_render

    try:
        document_render(document_id=document_id)
    except (OperationalError, OSError) as exc:
        # Transient: the database or the disk may answer on a later try.
        if self.request.retries >= self.max_retries or getattr(self.request, "is_eager", False):
            document_fail(document_id=document_id, error=repr(exc))
            raise
        raise self.retry(exc=exc) from exc
    except Exception as exc:
        # A template or data error will fail the same way again: mark it failed at once.
        document_fail(document_id=document_id, error=repr(exc))
        raise


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def notification_email_task(self, notification_id: int) -> None:  # type: ignore[no-untyped-def]
    from .models import Notification

    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if (
        notification is None
        or notification.emailed_at is not None
        or not notification.recipient.email
    ):
        return
    try:
        send_mail(*_email(notification), None, [notification.recipient.email])
    except OSError as exc:
        raise self.retry(exc=exc) from exc
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def notification_email_many_task(self, notification_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    """The emails of a batch of notifications (notify_bulk): one task, one query to load them."""
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
        raise self.retry(exc=exc, args=[rest]) from exc
    Notification.objects.filter(pk__in=sent, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )


@shared_task
def calendar_next_year_check_task() -> int:
    """From 1 November, warn every agency admin (once a year) that next year is missing."""
    from .deadlines import next_year_calendar_missing
    from .models import Role, User
    from .notifications import notify

    today = timezone.localdate()
    if not next_year_calendar_missing(today):
        return 0
    admins = User.objects.filter(
        is_active=True,
        membership__active=True,
        membership__roles__icontains=f'"{Role.AGENCY_ADMIN}"',
    )
    created = notify(
        recipients=admins,
        title=stored_text(
            gettext_lazy("Enter the holiday calendar of %(year)s"), year=today.year + 1
        ),
        body=stored_text(
            gettext_lazy(
                "Deadlines that end in %(year)s are provisional until the State Council's holiday "
                "notice for that year is entered in the admin (holiday years)."
            ),
            year=today.year + 1,
        ),
        url="/admin/core/holidayyear/",
        dedupe_key=f"calendar-missing-{today.year + 1}",
    )
    return len(created)


@shared_task
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
