"""In-app and email notifications. Services call `notify` from their on_commit callbacks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification, User


def notify(
    *,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Create one notification per recipient (once per `dedupe_key`), then email and push them."""
    created: list[Notification] = []
    for recipient in {user.pk: user for user in recipients}.values():
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient=recipient, title=title, body=body, url=url, dedupe_key=dedupe_key
                    )
                )
        except IntegrityError:
            continue  # already notified under this key: idempotent sweeps rely on it
    if created:
        transaction.on_commit(lambda: _after_notify(created, email=email))
    return created


def _after_notify(notifications: list[Notification], *, email: bool) -> None:
    from . import realtime
    from .tasks import notification_email_task

    for notification in notifications:
        if email and notification.recipient.email:
            notification_email_task.delay(notification.pk)
        realtime.push_unread_count(notification.recipient_id)


def notification_mark_read(*, actor: User, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's notifications (some, or all when None) as read."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    count = unread.update(read_at=timezone.now())
    if count:
        from . import realtime

        transaction.on_commit(lambda: realtime.push_unread_count(actor.pk))
    return count


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)
