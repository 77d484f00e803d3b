"""Deadlines counted on the Chinese working-day calendar.

Working days follow the State Council's yearly notice, make-up weekends (调休) included: the
chinese-calendar library for the years it covers, overridden by years an admin has entered.
A year nobody has entered and the library does not cover is counted from weekends alone,
and every deadline computed so is marked provisional until the year is entered.

Starting a clock reads its policy and the entered years from the database, so a change saved
in the admin counts for the next clock in every process.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import chinese_calendar
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import CalendarDay, Deadline, DeadlinePolicy, DeadlineUnit, HolidayYear


@dataclass(frozen=True)
class Due:
    date: datetime.date
    provisional: bool


class WorkingCalendar:
    """Answers 'is this a working day?' with the overrides of entered years loaded once."""

    def __init__(self) -> None:
        self._entered: set[int] = set(HolidayYear.objects.values_list("year", flat=True))
        self._overrides: dict[datetime.date, bool] = dict(
            CalendarDay.objects.values_list("date", "is_working_day")
        )

    def covers(self, year: int) -> bool:
        return year in self._entered or library_covers(year)

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        if day.year not in self._entered and library_covers(day.year):
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, days: int) -> Due:
        """The day on which `days` working days after `start` (start excluded) are complete."""
        day, counted, provisional = start, 0, False
        while counted < days:
            day += datetime.timedelta(days=1)
            provisional |= not self.covers(day.year)
            if self.is_working_day(day):
                counted += 1
        return Due(day, provisional)

    def add_calendar_days(self, start: datetime.date, days: int) -> Due:
        """Calendar days; a period ending on a rest day or holiday ends on the next working day
        (《劳动人事争议仲裁办案规则》 art. 81, 《民事诉讼法》 art. 85)."""
        day = start + datetime.timedelta(days=days)
        provisional = not self.covers(day.year)
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
            provisional |= not self.covers(day.year)
        return Due(day, provisional)


def library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def deadline_for(
    policy: DeadlinePolicy | str,
    start: datetime.date | datetime.datetime,
    calendar: WorkingCalendar | None = None,
    days: int | None = None,
) -> Due:
    """When a period under `policy` that starts on `start` ends; `days` instead of the
    policy's own (an extended or suspended period), in the policy's unit."""
    if isinstance(policy, str):
        policy = DeadlinePolicy.objects.get(key=policy)
    if isinstance(start, datetime.datetime):
        start = timezone.localtime(start).date() if timezone.is_aware(start) else start.date()
    calendar = calendar or WorkingCalendar()
    count = policy.days if days is None else days
    if policy.unit == DeadlineUnit.WORKING_DAYS:
        return calendar.add_working_days(start, count)
    return calendar.add_calendar_days(start, count)


def calendar_missing_years(today: datetime.date) -> list[int]:
    """The years admins must enter now: every year in which an open deadline falls that
    nobody has entered and the library lacks (whatever the month), and from 1 November next
    year if it is missing."""
    years = {
        day.year
        for day in Deadline.objects.filter(met_at__isnull=True, provisional=True).dates(
            "due_on", "year"
        )
    }
    if (today.month, today.day) >= (11, 1):
        years.add(today.year + 1)
    entered = set(HolidayYear.objects.filter(year__in=years).values_list("year", flat=True))
    return sorted(year for year in years if year not in entered and not library_covers(year))


# --- services on stored deadlines -----------------------------------------------------------

# Keys of policies whose deadlines carry a due date a person chose (a minutes' action item):
# recomputing them from the policy's days would overwrite that date. Apps add theirs in ready().
HAND_SET_POLICIES: set[str] = set()


def deadline_start(
    *,
    policy_key: str,
    subject: models.Model,
    start: datetime.date | datetime.datetime,
    days: int | None = None,
) -> Deadline:
    """Start the clock of `policy_key` on `subject` (over `days` instead of the policy's,
    if given). Runs inside the caller's transaction."""
    policy = DeadlinePolicy.objects.get(key=policy_key)
    due = deadline_for(policy, start, days=days)
    started_on = start.date() if isinstance(start, datetime.datetime) else start
    if isinstance(start, datetime.datetime) and timezone.is_aware(start):
        started_on = timezone.localtime(start).date()
    return Deadline.objects.create(
        policy=policy,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        started_on=started_on,
        days=days,
        due_on=due.date,
        provisional=due.provisional,
    )


def deadline_recount(deadline: Deadline, *, days: int) -> Deadline:
    """Count an open deadline again over `days` from its start (an extension): the new due
    date, marked provisional as the calendar says, and warned of anew."""
    due = deadline_for(deadline.policy, deadline.started_on, WorkingCalendar(), days=days)
    deadline.days, deadline.due_on, deadline.provisional = days, due.date, due.provisional
    deadline.overdue_notified_at = None
    deadline.save(update_fields=["days", "due_on", "provisional", "overdue_notified_at"])
    return deadline


def deadline_meet(*, policy_key: str, subject: models.Model) -> int:
    """Mark the open deadline(s) of `policy_key` on `subject` as met."""
    return (
        deadlines_of(subject)
        .filter(policy__key=policy_key, met_at__isnull=True)
        .update(met_at=timezone.now())
    )


def deadlines_of(subject: models.Model) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).select_related("policy")


@transaction.atomic
def deadlines_recompute(*, year: int | None = None) -> int:
    """Recompute provisional open deadlines (after a year's calendar is entered or changed).

    With `year`, only deadlines whose start or provisional due date fall in that year or the
    year before are looked at; the count of changed deadlines is returned."""
    calendar = WorkingCalendar()
    deadlines = (
        Deadline.objects.select_for_update()
        .filter(met_at__isnull=True)
        .exclude(policy__key__in=HAND_SET_POLICIES)
    )
    if year is not None:
        deadlines = deadlines.filter(
            models.Q(provisional=True)
            | models.Q(due_on__year=year)
            | models.Q(started_on__year=year)
        )
    else:
        deadlines = deadlines.filter(provisional=True)
    changed = 0
    for deadline in deadlines.select_related("policy"):
        due = deadline_for(deadline.policy, deadline.started_on, calendar, days=deadline.days)
        if (due.date, due.provisional) != (deadline.due_on, deadline.provisional):
            deadline.due_on, deadline.provisional = due.date, due.provisional
            deadline.save(update_fields=["due_on", "provisional"])
            changed += 1
    return changed
