"""In-app and email notifications: created once, emailed after commit, read by their owner."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from portal.core.models import Notification
from portal.core.notifications import notification_mark_read, notify, unread_count

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(db):
    """The locmem outbox, taken after the test database (whose setup starts a new one)."""
    return mail.outbox


def test_notify_creates_one_notification_per_recipient(arbitrator, arbitration_admin):
    created = notify(
        recipients=[arbitrator, arbitration_admin, arbitrator],
        title="案件已分配",
        body="请处理。",
        url="/cases/1/",
    )
    assert len(created) == 2
    assert sorted(n.recipient.username for n in Notification.objects.all()) == [
        "arb.admin",
        "arb.arbitrator",
    ]
    notification = arbitrator.notifications.get()
    assert (notification.title, notification.body, notification.url) == (
        "案件已分配",
        "请处理。",
        "/cases/1/",
    )
    assert notification.read_at is None


def test_a_dedupe_key_makes_notify_idempotent(arbitrator, arbitration_admin):
    assert len(notify(recipients=[arbitrator], title="逾期", dedupe_key="deadline-7")) == 1
    again = notify(
        recipients=[arbitrator, arbitration_admin], title="逾期", dedupe_key="deadline-7"
    )
    assert [n.recipient for n in again] == [arbitration_admin]
    assert arbitrator.notifications.count() == 1
    # Without a key, every call notifies.
    notify(recipients=[arbitrator], title="消息")
    notify(recipients=[arbitrator], title="消息")
    assert arbitrator.notifications.count() == 3


def test_the_email_goes_out_only_after_commit(
    django_capture_on_commit_callbacks, outbox, arbitrator
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[arbitrator], title="新案件", body="请审查。", url="/cases/5/")
        assert outbox == []  # still inside the transaction
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == [arbitrator.email]
    assert message.subject == "新案件"
    assert "请审查。" in message.body
    assert message.body.endswith("/cases/5/")
    assert arbitrator.notifications.get().emailed_at is not None


def test_no_email_is_sent_when_the_transaction_does_not_commit(outbox, arbitrator):
    notify(recipients=[arbitrator], title="新案件")
    assert outbox == []
    assert arbitrator.notifications.get().emailed_at is None


def test_a_recipient_without_an_email_address_gets_only_the_in_app_notification(
    django_capture_on_commit_callbacks, outbox
):
    no_email = UserFactory(username="no.email", email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[no_email], title="新案件")
    assert outbox == []
    assert no_email.notifications.count() == 1


def test_email_false_keeps_the_notification_in_the_portal(
    django_capture_on_commit_callbacks, outbox, arbitrator
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[arbitrator], title="新案件", email=False)
    assert outbox == []


def test_a_repeated_notification_is_not_emailed_twice(
    django_capture_on_commit_callbacks, outbox, arbitrator
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[arbitrator], title="逾期", dedupe_key="deadline-9")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[arbitrator], title="逾期", dedupe_key="deadline-9")
    assert len(outbox) == 1


def test_the_header_shows_the_unread_count(client, arbitrator, arbitration_admin):
    notify(recipients=[arbitrator], title="一")
    notify(recipients=[arbitrator], title="二")
    notify(recipients=[arbitration_admin], title="三")
    client.force_login(arbitrator)
    response = client.get(reverse("core:home"))
    assert response.context["unread_notifications"] == 2
    assert 'data-unread-count aria-live="polite">2</span>' in response.content.decode()


def test_the_header_hides_the_count_when_everything_is_read(client, arbitrator):
    client.force_login(arbitrator)
    response = client.get(reverse("core:home"))
    assert response.context["unread_notifications"] == 0
    assert 'data-unread-count aria-live="polite" hidden>' in response.content.decode()


def test_the_notifications_page_lists_only_my_notifications(client, arbitrator, arbitration_admin):
    notify(recipients=[arbitrator], title="我的通知")
    notify(recipients=[arbitration_admin], title="别人的通知")
    client.force_login(arbitrator)
    response = client.get(reverse("core:notifications"))
    content = response.content.decode()
    assert "我的通知" in content
    assert "别人的通知" not in content
    assert response.context["unread_notifications"] == 1


def test_one_notification_can_be_marked_read(client, arbitrator):
    first, second = (notify(recipients=[arbitrator], title=t)[0] for t in ("一", "二"))
    client.force_login(arbitrator)
    response = client.post(reverse("core:notifications-read"), {"id": first.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert unread_count(arbitrator) == 1


def test_all_notifications_can_be_marked_read(client, arbitrator, arbitration_admin):
    for title in ("一", "二", "三"):
        notify(recipients=[arbitrator, arbitration_admin], title=title)
    client.force_login(arbitrator)
    client.post(reverse("core:notifications-read"))
    assert unread_count(arbitrator) == 0
    assert unread_count(arbitration_admin) == 3


def test_nobody_can_mark_someone_elses_notification_read(client, arbitrator, arbitration_admin):
    mine = notify(recipients=[arbitrator], title="我的")[0]
    theirs = notify(recipients=[arbitration_admin], title="别人的")[0]
    client.force_login(arbitrator)
    client.post(reverse("core:notifications-read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.read_at is None
    assert mine.read_at is None
    assert notification_mark_read(actor=arbitrator, notification_ids=[theirs.pk]) == 0


def test_a_malformed_id_marks_nothing_read(client, arbitrator):
    notify(recipients=[arbitrator], title="一")
    client.force_login(arbitrator)
    client.post(reverse("core:notifications-read"), {"id": "1 OR 1=1"})
    assert unread_count(arbitrator) == 1


def test_marking_read_needs_a_post(client, arbitrator):
    notify(recipients=[arbitrator], title="一")
    client.force_login(arbitrator)
    assert client.get(reverse("core:notifications-read")).status_code == 405
    assert unread_count(arbitrator) == 1


def test_the_notifications_page_needs_a_login(client):
    response = client.get(reverse("core:notifications"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- notify_bulk: many notifications in a fixed number of queries --------------------------------


def _bulk_items(users, key: str = "", title: str = "逾期"):
    from portal.core.notifications import NotificationItem

    return [
        NotificationItem(recipient_id=user.pk, title=title, url="/x/", dedupe_key=key)
        for user in users
    ]


def test_notify_bulk_creates_every_notification_and_returns_their_ids(
    arbitrator, arbitration_admin
):
    from portal.core.notifications import notify_bulk

    ids = notify_bulk(_bulk_items([arbitrator, arbitration_admin]))
    assert sorted(ids) == sorted(Notification.objects.values_list("pk", flat=True))
    assert {n.recipient for n in Notification.objects.all()} == {arbitrator, arbitration_admin}


def test_notify_bulk_skips_pairs_already_notified_under_their_key(arbitrator, arbitration_admin):
    from portal.core.notifications import notify_bulk

    notify(recipients=[arbitrator], title="逾期", dedupe_key="deadline-3")
    ids = notify_bulk(
        [
            *_bulk_items([arbitrator, arbitration_admin], "deadline-3"),
            *_bulk_items([arbitrator], "deadline-3"),
        ]
    )
    assert [Notification.objects.get(pk=pk).recipient for pk in ids] == [arbitration_admin]
    assert notify_bulk(_bulk_items([arbitrator, arbitration_admin], "deadline-3")) == []
    assert Notification.objects.count() == 2


def test_notify_bulk_emails_in_one_task_only_after_commit(
    django_capture_on_commit_callbacks, outbox, arbitrator, arbitration_admin
):
    from unittest import mock

    from portal.core.notifications import notify_bulk
    from portal.core.tasks import notification_email_many_task

    with (
        mock.patch.object(
            notification_email_many_task,
            "apply_async",
            wraps=notification_email_many_task.apply_async,
        ) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ids = notify_bulk(_bulk_items([arbitrator, arbitration_admin], "deadline-4"))
        assert outbox == []
    publish.assert_called_once()
    assert publish.call_args.kwargs["args"] == [ids]
    assert sorted(m.to[0] for m in outbox) == sorted([arbitrator.email, arbitration_admin.email])
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_notify_bulk_without_email_keeps_the_notifications_in_the_portal(
    django_capture_on_commit_callbacks, outbox, arbitrator
):
    from portal.core.notifications import notify_bulk

    with django_capture_on_commit_callbacks(execute=True):
        notify_bulk(_bulk_items([arbitrator]), email=False)
    assert outbox == []
    assert arbitrator.notifications.count() == 1


def test_notify_bulk_costs_the_same_queries_for_3_and_for_30_recipients(django_assert_num_queries):
    from portal.core.notifications import notify_bulk

    users = [UserFactory(username=f"bulk{i}") for i in range(33)]
    # PostgreSQL: keyed insert returning the new ids, plain insert; elsewhere: existing keys,
    # keyed insert, their ids, plain insert; and the outbox row of their emails.
    queries = 3 if connection.vendor == "postgresql" else 5
    with django_assert_num_queries(queries):
        notify_bulk([*_bulk_items(users[:3], "k-3"), *_bulk_items(users[:3])])
    with django_assert_num_queries(queries):
        notify_bulk([*_bulk_items(users[3:], "k-30"), *_bulk_items(users[3:])])
    assert Notification.objects.count() == 66


def test_the_bulk_email_task_sends_each_notification_once(outbox, arbitrator, arbitration_admin):
    from portal.core.notifications import notify_bulk
    from portal.core.tasks import notification_email_many_task

    ids = notify_bulk(_bulk_items([arbitrator, arbitration_admin]), email=False)
    notification_email_many_task(ids)
    notification_email_many_task(ids)
    assert len(outbox) == 2
