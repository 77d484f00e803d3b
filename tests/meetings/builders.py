"""Meetings built through the services, and times relative to today."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from portal.core.models import User
from portal.meetings.models import Meeting, MeetingKind, MeetingSlot, Room
from portal.meetings.services import (
    ActionItemData,
    MeetingData,
    MinutesData,
    meeting_create,
    meeting_fix_slot,
    minutes_approve,
    minutes_save,
    slot_propose,
)


def next_weekday(weekday: int = 0, weeks: int = 1) -> datetime.date:
    """The `weekday` (0 = Monday) of the week `weeks` weeks from now."""
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=weeks)
    return monday + datetime.timedelta(days=weekday)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def span(day: datetime.date, start: str, end: str) -> tuple[datetime.datetime, datetime.datetime]:
    """Two aware datetimes from 'HH:MM' strings on `day`."""
    h1, m1 = (int(x) for x in start.split(":"))
    h2, m2 = (int(x) for x in end.split(":"))
    return at(day, h1, m1), at(day, h2, m2)


def room(name: str = "人社局三楼第一会议室", capacity: int = 12) -> Room:
    return Room.objects.get_or_create(name=name, defaults={"capacity": capacity})[0]


def make_meeting(
    organiser: User,
    participants: Iterable[User] = (),
    *,
    kind: str = MeetingKind.JOINT_MEETING,
    title: str = "2026年第四季度联席会议",
    with_room: Room | None = None,
    video_link: str = "",
) -> Meeting:
    return meeting_create(
        actor=organiser,
        data=MeetingData(
            kind=kind,
            title=title,
            description="通报欠薪案件办理情况，研究下一步工作。",
            room=with_room if with_room is not None or video_link else room(),
            video_link=video_link,
        ),
        participants=list(participants),
    )


def propose(
    organiser: User, meeting: Meeting, day: datetime.date, start: str, end: str
) -> MeetingSlot:
    starts_at, ends_at = span(day, start, end)
    return slot_propose(actor=organiser, meeting=meeting, starts_at=starts_at, ends_at=ends_at)


def scheduled(
    organiser: User,
    participants: Iterable[User] = (),
    *,
    day: datetime.date | None = None,
    start: str = "09:30",
    end: str = "11:00",
    **kwargs: object,
) -> Meeting:
    meeting = make_meeting(organiser, participants, **kwargs)  # type: ignore[arg-type]
    slot = propose(organiser, meeting, day or next_weekday(1), start, end)
    return meeting_fix_slot(actor=organiser, meeting=meeting, slot=slot)


def held(meeting: Meeting, *, days_ago: int = 1) -> Meeting:
    """The meeting took place: its time moves into the past (the services refuse past times,
    so tests and the demo move a scheduled meeting back rather than schedule one there)."""
    assert meeting.starts_at and meeting.ends_at
    shift = meeting.starts_at - (timezone.now() - datetime.timedelta(days=days_ago))
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at - shift, ends_at=meeting.ends_at - shift
    )
    meeting.refresh_from_db()
    return meeting


def approved(
    meeting: Meeting, actor: User, action_items: Iterable[ActionItemData] = (), **data: object
) -> Meeting:
    minutes_save(
        actor=actor,
        meeting=meeting,
        data=MinutesData(resolutions="一、加强线索移送。", action_items=list(action_items), **data),  # type: ignore[arg-type]
    )
    minutes_approve(actor=actor, meeting=meeting)
    meeting.refresh_from_db()
    return meeting
