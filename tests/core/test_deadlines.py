import datetime

import pytest
from django.db import transaction

from portal.core.deadlines import (
    WorkingCalendar,
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


# --- a change of the calendar or the policies counts for the next clock -----------------------


def test_starting_a_clock_reads_its_policy_and_the_entered_years_and_inserts_it(
    arbitration_case, django_assert_num_queries
):
    with django_assert_num_queries(4):
        deadline_start(policy_key="case.acceptance", subject=arbitration_case, start=DAY)


def test_a_day_entered_after_a_clock_was_started_counts_for_the_next_clock(arbitration_case):
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


def test_a_change_counts_inside_its_transaction_and_is_gone_with_its_rollback(arbitration_case):
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

    after = deadline_start(policy_key="referral.acknowledge", subject=arbitration_case, start=DAY)

    assert (after.due_on, after.provisional) == (datetime.date(2027, 1, 4), True)
