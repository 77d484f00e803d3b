"""In-app and email notifications. Services call `notify` from their on_commit callbacks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, QuerySet
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
        if email:
            _emails_enqueue([n.pk for n in created if n.recipient.email])
        transaction.on_commit(lambda: _after_notify(created))
    return created


def _emails_enqueue(notification_ids: list[int]) -> None:
    """The emails of these notifications, kept with them and sent after commit (the outbox):
    a broker away at the commit loses none. One task for the batch."""
    from .outbox import enqueue_after_commit
    from .tasks import notification_email_many_task

    if notification_ids:
        enqueue_after_commit(notification_email_many_task, notification_ids)


def _after_notify(notifications: list[Notification]) -> None:
    from . import realtime

    for notification in notifications:
        realtime.push_unread_count(notification.recipient_id)


@dataclass(frozen=True)
class NotificationItem:
    """One notification of a batch (see notify_bulk)."""

    recipient_id: int
    title: str
    body: str = ""
    url: str = ""
    dedupe_key: str = ""


def notify_bulk(items: Iterable[NotificationItem], *, email: bool = True) -> list[int]:
    """Create many notifications in a fixed number of queries, however many there are; a
    (recipient, dedupe_key) pair that exists already is skipped. Emails go out after commit
    in one task, unread counts are pushed after commit with one count query. Returns the ids
    of the notifications created.

    Sweeps use it: their query count must not grow with the number of overdue items."""
    keyed: dict[tuple[int, str], NotificationItem] = {}
    unkeyed: list[NotificationItem] = []
    for item in items:
        if item.dedupe_key:
            keyed.setdefault((item.recipient_id, item.dedupe_key), item)
        else:
            unkeyed.append(item)
    created_ids: list[int] = []
    if unkeyed:
        # PostgreSQL and SQLite (3.35 and later) hand back the ids of a bulk insert.
        rows = Notification.objects.bulk_create(_row(item) for item in unkeyed)
        created_ids += [row.pk for row in rows]
    if keyed and connection.vendor == "postgresql":
        created_ids += _insert_new_postgresql(list(keyed.values()))
    elif keyed:
        keys = {key for _recipient, key in keyed}
        existing = set(
            Notification.objects.filter(dedupe_key__in=keys).values_list(
                "recipient_id", "dedupe_key"
            )
        )
        fresh = {pair: item for pair, item in keyed.items() if pair not in existing}
        if fresh:
            started = timezone.now()
            # A concurrent sweep may insert the same pair between the two queries: the unique
            # constraint keeps one row, and the email task sends each notification once.
            Notification.objects.bulk_create(
                (_row(item) for item in fresh.values()), ignore_conflicts=True
            )
            created_ids += [
                pk
                for pk, recipient_id, key in Notification.objects.filter(
                    dedupe_key__in={key for _recipient, key in fresh}, created_at__gte=started
                ).values_list("pk", "recipient_id", "dedupe_key")
                if (recipient_id, key) in fresh
            ]
    if created_ids:
        ids = list(created_ids)
        if email:
            _emails_enqueue(ids)
        transaction.on_commit(lambda: _after_notify_bulk(ids))
    return created_ids


def _insert_new_postgresql(items: list[NotificationItem]) -> list[int]:
    """Insert the keyed notifications whose (recipient, key) pair is new, in one statement
    (INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING id): the unique
    constraint skips the pairs that exist, concurrent sweeps included, and RETURNING names the
    rows made. A sweep over tens of thousands of late items spent most of its time building
    model instances and re-reading the rows it had just written."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(c) for c in ("recipient_id", "title", "body", "url", "dedupe_key", "created_at")
    )
    sql = (
        f"INSERT INTO {quote(Notification._meta.db_table)} ({columns})"  # noqa: S608
        " SELECT r, t, b, u, k, %s FROM unnest(%s::bigint[], %s::text[], %s::text[],"
        " %s::text[], %s::text[]) AS x(r, t, b, u, k)"
        f" ON CONFLICT DO NOTHING RETURNING {quote('id')}"
    )
    params: list[Any] = [
        timezone.now(),
        [item.recipient_id for item in items],
        [item.title for item in items],
        [item.body for item in items],
        [item.url for item in items],
        [item.dedupe_key for item in items],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _row(item: NotificationItem) -> Notification:
    return Notification(
        recipient_id=item.recipient_id,
        title=item.title,
        body=item.body,
        url=item.url,
        dedupe_key=item.dedupe_key,
    )


def _after_notify_bulk(notification_ids: list[int]) -> None:
    from . import realtime

    recipients = Notification.objects.filter(pk__in=notification_ids).values("recipient_id")
    counts = (
        Notification.objects.filter(recipient_id__in=recipients, read_at__isnull=True)
        .values("recipient_id")
        .annotate(unread=Count("id"))
    )
    for row in counts:
        realtime.send_to_group(
            realtime.user_group(row["recipient_id"]),
            {"type": "notification.count", "unread": row["unread"]},
        )


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
