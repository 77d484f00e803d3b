"""Deadlines counted on the Chinese working-day calendar.

Working days follow the State Council's yearly notice, make-up weekends (调休) included: the
chinese-calendar library for the years it covers, overridden by years an admin has entered.
A year nobody has entered and the library does not cover is counted from weekends alone,
and every deadline computed so is marked provisional until the year is entered.

Starting a clock reads the calendar and the policies from a copy each process keeps
(`calendar_snapshot`; why, in docs/performance.md, "Removed in issue 15"). Invariant: a clock
counts with the committed calendar and policies, at most a second behind another process's
change and never with a change that is not committed (the transaction making it reads its own
rows).
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import uuid
from dataclasses import dataclass

import chinese_calendar
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from redis.exceptions import RedisError

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


# --- the process's copy of the calendar and the policies ----------------------------------

CALENDAR_VERSION_KEY = "portal:calendar-version"
# How often a process looks at the shared version: another process's change counts within it.
CALENDAR_CHECK_SECONDS = 1.0
# Where the cache is not shared between processes (locmem, in development) another process's
# change is seen after this many seconds at the latest.
CALENDAR_MAX_AGE = 300.0
logger = logging.getLogger(__name__)


@dataclass
class CalendarSnapshot:
    version: str
    loaded_at: float
    checked_at: float
    calendar: WorkingCalendar
    policies: dict[str, DeadlinePolicy]


_snapshot: CalendarSnapshot | None = None
_snapshot_lock = threading.Lock()
_changing = threading.local()  # .active: this thread's transaction changes the calendar


def calendar_snapshot() -> CalendarSnapshot:
    """The working-day calendar and the deadline policies as this process last loaded them:
    loaded anew when the shared version has moved (looked at once a second) or the copy is
    old."""
    global _snapshot
    now = time.monotonic()
    if _changed_in_this_transaction():
        return _snapshot_load(version="", now=now)  # its own rows, for it alone
    current = _snapshot
    if (
        current is not None
        and now - current.checked_at < CALENDAR_CHECK_SECONDS
        and now - current.loaded_at < CALENDAR_MAX_AGE
    ):
        return current
    version = _shared_version()
    if version is None:
        # The cache is away (Redis restarting): a copy younger than CALENDAR_MAX_AGE serves, else
        # the rows are read for this call; no deadline waits for the cache.
        if current is not None and now - current.loaded_at < CALENDAR_MAX_AGE:
            return current
        return _snapshot_load(version="", now=now)
    if (
        current is not None
        and current.version == version
        and now - current.loaded_at < CALENDAR_MAX_AGE
    ):
        current.checked_at = now
        return current
    with _snapshot_lock:
        # The version was read before the rows: a change committed in between is loaded now
        # and loaded again after the next look, never missed.
        fresh = _snapshot_load(version=version, now=now)
        _snapshot = fresh
    return fresh


def _shared_version() -> str | None:
    """The calendar's version all processes share, or None when the cache does not answer."""
    try:
        version = cache.get(CALENDAR_VERSION_KEY)
        if version is None:
            cache.add(CALENDAR_VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(CALENDAR_VERSION_KEY, "")
    except (RedisError, OSError):
        logger.warning("calendar version: the cache did not answer", exc_info=True)
        return None
    return str(version)


def _snapshot_load(*, version: str, now: float) -> CalendarSnapshot:
    return CalendarSnapshot(
        version=version,
        loaded_at=now,
        checked_at=now,
        calendar=WorkingCalendar(),
        policies={policy.key: policy for policy in DeadlinePolicy.objects.all()},
    )


def _changed_in_this_transaction() -> bool:
    if getattr(_changing, "active", False):
        if transaction.get_connection().in_atomic_block:
            return True
        _changing.active = False  # rolled back: its rows are gone
    return False


def calendar_changing() -> None:
    """A year, a day or a policy is being changed: this transaction reads its own rows, and
    after its commit every process loads anew (calendar_changed)."""
    if transaction.get_connection().in_atomic_block:
        _changing.active = True
    transaction.on_commit(calendar_changed)


def calendar_changed() -> None:
    """A change of the calendar or the policies is committed: every process loads its copy
    anew, this one at once (the others within CALENDAR_MAX_AGE if the cache is away)."""
    try:
        cache.set(CALENDAR_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except (RedisError, OSError):
        logger.warning("calendar version: the cache did not answer", exc_info=True)
    calendar_snapshot_forget()


def calendar_snapshot_forget() -> None:
    """Drop this process's copy: the next clock loads the calendar and the policies (tests:
    each test's rows roll back, and so does its change)."""
    global _snapshot
    _snapshot = None
    _changing.active = False


def deadline_for(
    policy: DeadlinePolicy | str,
    start: datetime.date | datetime.datetime,
    calendar: WorkingCalendar | None = None,
) -> Due:
    """When a period under `policy` that starts on `start` ends."""
    if isinstance(policy, str):
        policy = DeadlinePolicy.objects.get(key=policy)
    if isinstance(start, datetime.datetime):
        start = timezone.localtime(start).date() if timezone.is_aware(start) else start.date()
    calendar = calendar or WorkingCalendar()
    if policy.unit == DeadlineUnit.WORKING_DAYS:
        return calendar.add_working_days(start, policy.days)
    return calendar.add_calendar_days(start, policy.days)


def next_year_calendar_missing(today: datetime.date) -> bool:
    """From 1 November admins must enter next year's holidays if the library lacks them."""
    if (today.month, today.day) < (11, 1):
        return False
    year = today.year + 1
    return not (library_covers(year) or HolidayYear.objects.filter(year=year).exists())


# --- services on stored deadlines -----------------------------------------------------------

# Keys of policies whose deadlines carry a due date a person chose (a minutes' action item):
# recomputing them from the policy's days would overwrite that date. Apps add theirs in ready().
HAND_SET_POLICIES: set[str] = set()


def deadline_start(
    *, policy_key: str, subject: models.Model, start: datetime.date | datetime.datetime
) -> Deadline:
    """Start the clock of `policy_key` on `subject`. Runs inside the caller's transaction."""
    snapshot = calendar_snapshot()
    policy = snapshot.policies.get(policy_key) or DeadlinePolicy.objects.get(key=policy_key)
    due = deadline_for(policy, start, snapshot.calendar)
    started_on = start.date() if isinstance(start, datetime.datetime) else start
    if isinstance(start, datetime.datetime) and timezone.is_aware(start):
        started_on = timezone.localtime(start).date()
    return Deadline.objects.create(
        policy=policy,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        started_on=started_on,
        due_on=due.date,
        provisional=due.provisional,
    )


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
        due = deadline_for(deadline.policy, deadline.started_on, calendar)
        if (due.date, due.provisional) != (deadline.due_on, deadline.provisional):
            deadline.due_on, deadline.provisional = due.date, due.provisional
            deadline.save(update_fields=["due_on", "provisional"])
            changed += 1
    return changed
