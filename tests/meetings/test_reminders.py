"""Reminders 24 hours and 1 hour before a meeting, from the beat sweep, each sent once."""

from __future__ import annotations

import datetime

import pytest

from portal.core.models import Notification
from portal.meetings.models import Meeting, Rsvp
from portal.meetings.services import (
    MeetingData,
    meeting_cancel,
    meeting_reminders_send,
    meeting_update,
    participant_rsvp,
)
from portal.meetings.tasks import meeting_reminders_send_task

from ..helpers import notification_titles
from .builders import next_weekday, scheduled, span

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def reminders(user, label: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    return notification_titles(user, dedupe_key__contains=f"-reminder-{label}")


@pytest.fixture
def meeting(procuratorate_admin, bureau_admin, arbitration_admin) -> Meeting:
    return scheduled(procuratorate_admin, [bureau_admin, arbitration_admin])


def test_the_day_before_each_participant_is_reminded_once(
    meeting, procuratorate_admin, bureau_admin
):
    assert meeting.starts_at is not None
    now = meeting.starts_at - 23 * HOUR
    assert meeting_reminders_send(now=now) == 1
    assert meeting_reminders_send(now=now + datetime.timedelta(minutes=5)) == 0
    assert meeting_reminders_send(now=now + 2 * HOUR) == 0
    assert reminders(bureau_admin, "24h") == [f"Tomorrow: {meeting.title}"]
    assert reminders(procuratorate_admin, "24h") == [f"Tomorrow: {meeting.title}"]
    assert reminders(bureau_admin, "1h") == []


def test_an_hour_before_each_participant_is_reminded_again_once(meeting, bureau_admin):
    assert meeting.starts_at is not None
    meeting_reminders_send(now=meeting.starts_at - 23 * HOUR)
    soon = meeting.starts_at - datetime.timedelta(minutes=55)
    assert meeting_reminders_send(now=soon) == 1
    assert meeting_reminders_send(now=soon + datetime.timedelta(minutes=5)) == 0
    assert reminders(bureau_admin) == [
        f"In one hour: {meeting.title}",
        f"Tomorrow: {meeting.title}",
    ]


def test_nothing_is_sent_too_early_or_after_the_start(meeting, bureau_admin):
    assert meeting.starts_at is not None
    assert meeting_reminders_send(now=meeting.starts_at - 25 * HOUR) == 0
    assert meeting_reminders_send(now=meeting.starts_at + datetime.timedelta(minutes=1)) == 0
    assert reminders(bureau_admin) == []


def test_within_the_last_hour_only_the_one_hour_reminder_goes_out(meeting, bureau_admin):
    assert meeting.starts_at is not None
    assert meeting_reminders_send(now=meeting.starts_at - datetime.timedelta(minutes=30)) == 1
    assert meeting_reminders_send(now=meeting.starts_at - datetime.timedelta(minutes=20)) == 0
    assert reminders(bureau_admin) == [f"In one hour: {meeting.title}"]


def test_who_declined_is_not_reminded(meeting, bureau_admin, arbitration_admin):
    participant_rsvp(actor=arbitration_admin, meeting=meeting, answer=Rsvp.DECLINED)
    assert meeting.starts_at is not None
    meeting_reminders_send(now=meeting.starts_at - 23 * HOUR)
    assert reminders(bureau_admin) and not reminders(arbitration_admin)


def test_a_cancelled_meeting_is_not_reminded(meeting, procuratorate_admin, bureau_admin):
    meeting_cancel(actor=procuratorate_admin, meeting=meeting)
    assert meeting.starts_at is not None
    assert meeting_reminders_send(now=meeting.starts_at - 23 * HOUR) == 0
    assert reminders(bureau_admin) == []


def test_a_meeting_moved_after_its_reminder_is_reminded_at_its_new_time(
    meeting, procuratorate_admin, bureau_admin
):
    assert meeting.starts_at is not None
    meeting_reminders_send(now=meeting.starts_at - 23 * HOUR)
    starts_at, ends_at = span(next_weekday(3), "14:30", "16:00")
    meeting_update(
        actor=procuratorate_admin,
        meeting=meeting,
        data=MeetingData(kind=meeting.kind, title=meeting.title, room=meeting.room),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    assert meeting_reminders_send(now=starts_at - 23 * HOUR) == 1
    assert len(reminders(bureau_admin, "24h")) == 2


def test_reminders_are_emailed_after_commit(
    django_capture_on_commit_callbacks, outbox, meeting, bureau_admin
):
    assert meeting.starts_at is not None
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_reminders_send(now=meeting.starts_at - 23 * HOUR)
        assert outbox == []
    # E-mail goes out in the portal's language, whatever language the sweep ran in.
    assert f"明天开会：{meeting.title}" in [
        m.subject for m in outbox if m.to == [bureau_admin.email]
    ]


def test_a_reminder_already_recorded_is_not_sent_again_even_if_its_flag_was_lost(
    meeting, bureau_admin
):
    """The dedupe key is the second guard: a lost claim (restored backup) sends nothing new."""
    assert meeting.starts_at is not None
    meeting_reminders_send(now=meeting.starts_at - 23 * HOUR)
    Meeting.objects.filter(pk=meeting.pk).update(reminded_24h_at=None)
    meeting_reminders_send(now=meeting.starts_at - 22 * HOUR)
    assert len(reminders(bureau_admin, "24h")) == 1
    assert Notification.objects.filter(dedupe_key__contains="-reminder-24h-").count() == 3


def test_the_beat_task_runs_the_sweep(meeting):
    # Far from the meeting: the task runs now and finds nothing due.
    assert meeting_reminders_send_task.delay().get() == 0
