"""Time questions of meetings: working hours and holidays, conflicts, calendar grids."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from portal.core.deadlines import WorkingCalendar

from .models import BOOKED_STATUSES, Meeting, Participant, Room, Rsvp

# Office hours of the three agencies; PORTAL_MEETING_WORKING_HOURS overrides them in settings,
# e.g. "09:00-12:00,13:30-17:30" for a summer timetable.
DEFAULT_WORKING_HOURS = "08:30-12:00,14:00-18:00"


def working_hours() -> list[tuple[datetime.time, datetime.time]]:
    spec = getattr(settings, "PORTAL_MEETING_WORKING_HOURS", DEFAULT_WORKING_HOURS)
    windows = []
    for part in str(spec).split(","):
        start, end = part.strip().split("-")
        windows.append((datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)))
    return sorted(windows)


@dataclass(frozen=True)
class SlotFlags:
    rest_day: bool  # a weekend or public holiday, make-up working days (调休) counted as work
    outside_hours: bool  # not within one of the working-hour windows of a single day

    @property
    def any(self) -> bool:
        return self.rest_day or self.outside_hours


def slot_flags(
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    working_calendar: WorkingCalendar | None = None,
) -> SlotFlags:
    working_calendar = working_calendar or WorkingCalendar()
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    day, rest_day = start.date(), False
    while day <= end.date():
        rest_day |= not working_calendar.is_working_day(day)
        day += datetime.timedelta(days=1)
    within = start.date() == end.date() and any(
        opens <= start.time() and end.time() <= closes for opens, closes in working_hours()
    )
    return SlotFlags(rest_day=rest_day, outside_hours=not within)


def overlapping(
    meetings: QuerySet[Meeting], starts_at: datetime.datetime, ends_at: datetime.datetime
) -> QuerySet[Meeting]:
    """Meetings holding a time that overlaps [starts_at, ends_at); touching ends do not."""
    return meetings.filter(status__in=BOOKED_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at)


def room_bookings(
    room: Room,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    *,
    exclude: Meeting | None = None,
) -> QuerySet[Meeting]:
    bookings = overlapping(Meeting.objects.filter(room=room), starts_at, ends_at)
    if exclude is not None:
        bookings = bookings.exclude(pk=exclude.pk)
    return bookings


@dataclass(frozen=True)
class Conflict:
    user_label: str
    meeting_title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def participant_conflicts(
    meeting: Meeting, times: Iterable[tuple[int, datetime.datetime, datetime.datetime]]
) -> dict[int, list[Conflict]]:
    """For each (key, start, end): the participants' other portal meetings at that time
    (unless they declined them), in one query."""
    times = list(times)
    found: dict[int, list[Conflict]] = defaultdict(list)
    if not times:
        return found
    earliest = min(start for _, start, _ in times)
    latest = max(end for _, _, end in times)
    busy = (
        Participant.objects.filter(
            user__in=Participant.objects.filter(meeting=meeting).values("user"),
            meeting__status__in=BOOKED_STATUSES,
            meeting__starts_at__lt=latest,
            meeting__ends_at__gt=earliest,
        )
        .exclude(meeting=meeting)
        .exclude(rsvp=Rsvp.DECLINED)
        .select_related("user", "meeting")
        .order_by("meeting__starts_at", "user_id")
    )
    for other in busy:
        assert other.meeting.starts_at is not None and other.meeting.ends_at is not None
        for key, start, end in times:
            if other.meeting.starts_at < end and other.meeting.ends_at > start:
                found[key].append(
                    Conflict(
                        user_label=str(other.user),
                        meeting_title=other.meeting.title,
                        starts_at=other.meeting.starts_at,
                        ends_at=other.meeting.ends_at,
                    )
                )
    return found


# --- calendar grids ----------------------------------------------------------------------------


def week_of(day: datetime.date) -> list[datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return [monday + datetime.timedelta(days=offset) for offset in range(7)]


def month_of(day: datetime.date) -> list[list[datetime.date]]:
    return calendar.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)


def day_bounds(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """From the start of `first` to the end of `last`, in local time."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end
