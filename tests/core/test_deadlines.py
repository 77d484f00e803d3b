import datetime
import time

import pytest
from django.core.cache import cache
from django.db import transaction

from portal.core import deadlines
from portal.core.deadlines import (
    CALENDAR_CHECK_SECONDS,
    CALENDAR_MAX_AGE,
    CALENDAR_VERSION_KEY,
    WorkingCalendar,
    calendar_snapshot,
    deadline_for,
    deadline_start,
    deadlines_recompute,
)
from portal.core.models import CalendarDay, Deadline, DeadlinePolicy, HolidayYear

pytestmark = pytest.mark.django_db

# A Wednesday; 1 January 2027 (a Friday) is in a year chinese-calendar 1.11 does not cover.
DAY = datetime.date(2026, 12, 30)


def test_three_working_days_from_30_september_2026_end_on_saturday_10_october():
    # 1–7 October are off; Saturday 10 October is a make-up working day (调休).
    due = deadline_for("referral.acknowledge", datetime.date(2026, 9, 30))
    assert due.date == datetime.date(2026, 10, 10)
    assert due.provisional is False


def test_sunday_20_september_2026_is_a_working_day():
    calendar = WorkingCalendar()
    assert calendar.is_working_day(datetime.date(2026, 9, 20))
    assert not calendar.is_working_day(datetime.date(2026, 10, 5))


def test_a_deadline_in_a_year_nobody_entered_is_provisional_and_counts_weekends_only():
    due = deadline_for("referral.acknowledge", datetime.date(2027, 3, 4))  # a Thursday
    assert due.date == datetime.date(2027, 3, 9)
    assert due.provisional is True


def test_a_calendar_day_period_ending_on_a_holiday_moves_to_the_next_working_day():
    # 15 days from 17 September 2026 fall on 2 October (National Day): ends on 8 October.
    due = deadline_for("mediation.term", datetime.date(2026, 9, 17))
    assert due.date == datetime.date(2026, 10, 8)


def test_entering_a_year_overrides_the_weekend_rule_and_recomputes_provisional_deadlines(
    arbitration_case,
):
    policy = DeadlinePolicy.objects.get(key="referral.acknowledge")
    policy.days = 3
    deadline = deadline_start(
        policy_key="referral.acknowledge",
        subject=arbitration_case,
        start=datetime.date(2026, 12, 30),
    )
    # Without 2027 entered: 31 Dec (1), 1 Jan 2027 Friday counted as a weekday (2), 4 Jan Monday (3).
    assert (deadline.due_on, deadline.provisional) == (datetime.date(2027, 1, 4), True)
    year = HolidayYear.objects.create(year=2027, notice="国办发明电〔2026〕X号")
    CalendarDay.objects.create(
        holiday_year=year, date=datetime.date(2027, 1, 1), is_working_day=False, name="元旦"
    )
    assert deadlines_recompute(year=2027) == 1
    deadline.refresh_from_db()
    assert (deadline.due_on, deadline.provisional) == (datetime.date(2027, 1, 5), False)


def test_an_edited_policy_changes_new_deadlines():
    DeadlinePolicy.objects.filter(key="referral.acknowledge").update(days=5)
    due = deadline_for("referral.acknowledge", datetime.date(2026, 9, 30))
    assert due.date == datetime.date(2026, 10, 13)


def test_stored_deadlines_count_one_per_start(arbitration_case):
    assert (
        Deadline.objects.filter(
            object_id=arbitration_case.pk, policy__key="case.acceptance"
        ).count()
        == 1
    )


# --- the process's copy of the calendar and the policies --------------------------------------


def test_starting_clocks_reads_the_calendar_once_per_process(
    arbitration_case, django_assert_num_queries
):
    deadline_start(policy_key="case.acceptance", subject=arbitration_case, start=DAY)
    with django_assert_num_queries(1):  # the deadline's insert, nothing read
        deadline_start(policy_key="case.acceptance", subject=arbitration_case, start=DAY)


def test_a_day_entered_after_the_copy_was_loaded_counts_for_the_next_clock(arbitration_case):
    first = deadline_start(policy_key="referral.acknowledge", subject=arbitration_case, start=DAY)
    year = HolidayYear.objects.create(year=2027, notice="国办发明电〔2026〕X号")
    CalendarDay.objects.create(
        holiday_year=year, date=datetime.date(2027, 1, 1), is_working_day=False, name="元旦"
    )

    second = deadline_start(policy_key="referral.acknowledge", subject=arbitration_case, start=DAY)

    assert (first.due_on, first.provisional) == (datetime.date(2027, 1, 4), True)
    assert (second.due_on, second.provisional) == (datetime.date(2027, 1, 5), False)


def test_a_policy_edited_in_the_admin_counts_for_the_next_clock(arbitration_case):
    deadline_start(policy_key="referral.acknowledge", subject=arbitration_case, start=DAY)
    policy = DeadlinePolicy.objects.get(key="referral.acknowledge")
    policy.days = 5
    policy.save()

    deadline = deadline_start(
        policy_key="referral.acknowledge", subject=arbitration_case, start=DAY
    )

    assert deadline.due_on == datetime.date(2027, 1, 6)


def test_a_change_another_process_made_counts_within_a_second(monkeypatch):
    loaded = calendar_snapshot()
    # Another process changed a policy: its rows are here, the version moved in the cache.
    DeadlinePolicy.objects.filter(key="referral.acknowledge").update(days=5)
    cache.set(CALENDAR_VERSION_KEY, "another process's change")
    assert calendar_snapshot() is loaded  # not looked at again yet

    later = time.monotonic() + CALENDAR_CHECK_SECONDS
    monkeypatch.setattr("portal.core.deadlines.time.monotonic", lambda: later)

    assert calendar_snapshot() is not loaded
    assert calendar_snapshot().policies["referral.acknowledge"].days == 5


def test_an_unchanged_version_keeps_the_copy_after_a_look(monkeypatch):
    loaded = calendar_snapshot()
    later = time.monotonic() + CALENDAR_CHECK_SECONDS
    monkeypatch.setattr("portal.core.deadlines.time.monotonic", lambda: later)

    assert calendar_snapshot() is loaded


def test_a_change_counts_inside_its_transaction_and_is_gone_with_its_rollback(arbitration_case):
    shared = calendar_snapshot()
    with pytest.raises(RuntimeError), transaction.atomic():
        year = HolidayYear.objects.create(year=2027, notice="国办发明电〔2026〕X号")
        CalendarDay.objects.create(
            holiday_year=year, date=datetime.date(2027, 1, 1), is_working_day=False, name="元旦"
        )
        inside = deadline_start(
            policy_key="referral.acknowledge", subject=arbitration_case, start=DAY
        )
        assert (inside.due_on, inside.provisional) == (datetime.date(2027, 1, 5), False)
        raise RuntimeError("the admin's save failed")

    after = deadline_for("referral.acknowledge", DAY, calendar_snapshot().calendar)

    assert (after.date, after.provisional) == (datetime.date(2027, 1, 4), True)
    assert deadlines._snapshot is shared  # the process's copy never held the rolled-back rows


def test_the_copy_is_loaded_again_when_old_even_if_the_cache_is_not_shared(monkeypatch):
    loaded = calendar_snapshot()
    later = time.monotonic() + CALENDAR_MAX_AGE + 1
    monkeypatch.setattr("portal.core.deadlines.time.monotonic", lambda: later)

    assert calendar_snapshot() is not loaded


def test_the_copy_survives_an_emptied_cache_by_loading_anew(monkeypatch):
    loaded = calendar_snapshot()
    cache.delete(CALENDAR_VERSION_KEY)
    later = time.monotonic() + CALENDAR_CHECK_SECONDS
    monkeypatch.setattr("portal.core.deadlines.time.monotonic", lambda: later)

    assert calendar_snapshot() is not loaded
    assert cache.get(CALENDAR_VERSION_KEY) == calendar_snapshot().version
