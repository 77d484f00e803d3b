"""The outbox keeps every after-commit task in the database until a worker has done it: a broker
away at the commit, or a message it lost, delays a notice or an email but loses none; a task is
sent once per need, and a rolled-back transaction sends nothing."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, transaction
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from portal.cases.tasks import case_new_notify_task
from portal.core.models import Notification, OutboxTask
from portal.core.notifications import notify
from portal.core.outbox import outbox_sweep, task_id
from portal.core.stored_text import shown

from ..factories import make_case

pytestmark = pytest.mark.django_db

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def broker_down():
    """Every publish fails as with Redis restarting."""
    from celery.app.task import Task

    return mock.patch.object(Task, "apply_async", side_effect=BrokerDown("connection refused"))


def new_case_notices(user) -> int:
    titles = Notification.objects.filter(recipient=user).values_list("title", flat=True)
    return sum(shown(title).startswith("新案件") for title in titles)


def test_a_filing_committed_while_the_broker_is_away_still_tells_the_administrators(
    django_capture_on_commit_callbacks, arbitrator, arbitration_admin
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        make_case(actor=arbitrator)  # the commit is not undone, and nothing is raised
    assert new_case_notices(arbitration_admin) == 0
    pending = OutboxTask.objects.get(task=case_new_notify_task.name)
    assert pending.sent_at is None and pending.done_at is None

    assert outbox_sweep() == 1  # the broker is back: beat's sweep sends it
    assert new_case_notices(arbitration_admin) == 1
    pending.refresh_from_db()
    assert pending.done_at is not None
    assert outbox_sweep() == 0  # and does not send it again


def test_an_email_enqueued_at_the_moment_of_the_outage_is_sent_by_the_sweep(
    django_capture_on_commit_callbacks, mailoutbox, arbitrator
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[arbitrator], title="提醒")
    assert mailoutbox == []
    outbox_sweep()
    assert [m.to for m in mailoutbox] == [[arbitrator.email]]
    outbox_sweep()
    assert len(mailoutbox) == 1


def test_a_sweep_stops_at_the_first_failed_publish_and_keeps_the_rest(
    django_capture_on_commit_callbacks, arbitrator
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[arbitrator], title="一")
        notify(recipients=[arbitrator], title="二")
    with broker_down():
        assert outbox_sweep() == 0
    assert OutboxTask.objects.filter(done_at__isnull=True, sent_at__isnull=True).count() == 2
    assert outbox_sweep() == 2
    assert not OutboxTask.objects.filter(done_at__isnull=True).exists()


def test_a_rolled_back_transaction_sends_nothing_and_keeps_nothing(
    django_capture_on_commit_callbacks, arbitrator
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[arbitrator], title="不会发出")
        raise RuntimeError
    assert callbacks == []
    assert not OutboxTask.objects.exists()


@override_settings(OUTBOX_RESEND_AFTER_SECONDS=600, OUTBOX_MAX_ATTEMPTS=3)
def test_a_task_published_but_never_done_is_sent_again_once_stale_and_only_so_often(
    django_capture_on_commit_callbacks, arbitrator
):
    # The broker took it and lost it (or the worker died and its message with it).
    with mock.patch("portal.core.outbox._publish", return_value=True):
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[arbitrator], title="丢失")
        row = OutboxTask.objects.get()
        sent = row.sent_at
        assert outbox_sweep(now=sent + datetime.timedelta(seconds=599)) == 0
        assert outbox_sweep(now=sent + datetime.timedelta(seconds=601)) == 1
        assert outbox_sweep(now=sent + datetime.timedelta(seconds=1300)) == 1
        assert outbox_sweep(now=sent + datetime.timedelta(seconds=9000)) == 0  # 3 attempts
    row.refresh_from_db()
    assert (row.attempts, row.done_at) == (3, None)


def test_rows_done_a_week_ago_are_forgotten(django_capture_on_commit_callbacks, arbitrator):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[arbitrator], title="完成")
    assert OutboxTask.objects.get().done_at is not None
    outbox_sweep(now=timezone.now() + datetime.timedelta(days=8))
    assert not OutboxTask.objects.exists()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_new_case_notice_retries_when_the_database_restarts_and_notifies_once(
    django_capture_on_commit_callbacks, arbitrator, arbitration_admin, error
):
    from portal.cases import services

    real = services.case_new_notify
    failures = iter([error("server closed the connection unexpectedly")])

    def flaky(**kwargs):  # type: ignore[no-untyped-def]
        for failure in failures:
            raise failure
        return real(**kwargs)

    with (
        mock.patch("portal.core.outbox._publish", return_value=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        case = make_case(actor=arbitrator)
    row = OutboxTask.objects.get()
    with mock.patch.object(services, "case_new_notify", side_effect=flaky) as notice:
        # As a worker runs it: the retry runs again (at once, eagerly) under the same task id.
        result = case_new_notify_task.apply(args=[case.pk], task_id=task_id(row.pk), throw=False)
    assert result.successful()
    assert notice.call_count == 2
    assert new_case_notices(arbitration_admin) == 1
    row.refresh_from_db()
    assert row.done_at is not None
    case_new_notify_task.apply(args=[case.pk])  # a second delivery notifies nobody again
    assert new_case_notices(arbitration_admin) == 1


def test_every_after_commit_task_goes_through_the_outbox():
    """One mechanism: no service publishes a task itself (.delay / .apply_async); beat's
    schedule and the outbox are the only senders."""
    senders = re.compile(r"\.(delay|apply_async)\(")
    offenders = [
        str(path.relative_to(PORTAL))
        for path in PORTAL.rglob("*.py")
        if senders.search(path.read_text(encoding="utf-8")) and path.name != "outbox.py"
    ]
    assert offenders == []
