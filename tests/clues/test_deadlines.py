"""Each source counts its own clocks, in working days across the 2026 National Day holiday;
late clocks are announced and escalated once; a clue answered late stays late in the on-time
rates."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.clues.models import ClueSource
from portal.clues.overdue import clue_overdue_sweep
from portal.clues.selectors import clue_on_time_rates
from portal.core.deadlines import deadlines_of
from portal.core.models import DeadlinePolicy, Notification

from .builders import drive, move, register

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The last working day before the holiday (1–7 October 2026; Saturday 10 October is worked).
EVE = datetime.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)


def due(clue, clock: str) -> datetime.date:
    return deadlines_of(clue).get(policy__key__endswith=f".{clock}").due_on


@pytest.mark.parametrize(
    ("source", "respond", "close"),
    [
        # 1 working day: the 8th; 5 working days: 8, 9, 10 (make-up Saturday), 12, 13.
        (ClueSource.HOTLINE, datetime.date(2026, 10, 8), datetime.date(2026, 10, 13)),
        # 10 working days: … 13, 14, 15, 16, 19, 20.
        (ClueSource.PLATFORM, datetime.date(2026, 10, 8), datetime.date(2026, 10, 20)),
        # a letter counts as a complaint: 5 working days to accept it.
        (ClueSource.LETTER, datetime.date(2026, 10, 13), None),
    ],
)
def test_each_source_counts_its_working_days_across_the_national_day_holiday(
    bureau_inspector, home_squad, source, respond, close
):
    clue = register(bureau_inspector, source=source, received_at=EVE)
    assert due(clue, "respond") == respond
    if close is not None:
        assert due(clue, "close") == close
        assert clue.due_on == close


def test_a_source_deadline_earlier_than_the_policy_is_the_clues_due_date(
    bureau_inspector, home_squad
):
    clue = register(
        bureau_inspector,
        source=ClueSource.HOTLINE,
        received_at=EVE,
        source_deadline=datetime.date(2026, 10, 9),
    )
    assert clue.due_on == datetime.date(2026, 10, 9)


def test_an_admin_changing_a_policy_changes_the_next_clock(bureau_inspector, home_squad):
    DeadlinePolicy.objects.filter(key="clue.hotline.close").update(days=3, unit="calendar")
    clue = register(bureau_inspector, source=ClueSource.HOTLINE, received_at=EVE)
    # 3 calendar days end on 3 October, a holiday: the next working day.
    assert clue.due_on == datetime.date(2026, 10, 8)


def test_late_clocks_are_announced_once_and_escalated_to_the_leader_later(
    bureau_inspector, bureau_admin, bureau_leader, home_squad
):
    clue = register(bureau_inspector, source=ClueSource.HOTLINE, received_at=EVE)
    clue = drive(clue, "assigned", admin=bureau_admin, worker=bureau_inspector)
    day_after = datetime.date(2026, 10, 9)  # the response clock (the 8th) is late
    first = clue_overdue_sweep(today=day_after)
    assert (first.overdue, first.escalated) == (1, 0)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"bureau.inspector", "bureau.admin"}
    again = clue_overdue_sweep(today=day_after)
    assert (again.overdue, again.escalated, again.notifications) == (0, 0, 0)
    later = clue_overdue_sweep(today=datetime.date(2026, 10, 20))
    assert later.escalated == 2  # both clocks, long late
    assert Notification.objects.filter(
        recipient=bureau_leader, dedupe_key__startswith="clue-escalated-"
    ).exists()


def test_the_sweep_takes_the_same_queries_for_one_late_clue_and_for_twenty(
    bureau_inspector, bureau_admin, home_squad
):
    def sweep_queries(count: int, day: datetime.date) -> int:
        for _ in range(count):
            register(bureau_inspector, source=ClueSource.HOTLINE, received_at=EVE)
        with CaptureQueriesContext(connection) as queries:
            clue_overdue_sweep(today=day)
        return len(queries)

    assert sweep_queries(1, datetime.date(2026, 10, 9)) == sweep_queries(
        20, datetime.date(2026, 10, 10)
    )


def test_a_clue_answered_late_stays_late_even_when_reopened_and_closed_again(
    bureau_inspector, bureau_admin, home_squad, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: EVE)
    on_time = register(bureau_inspector, source=ClueSource.HOTLINE, reference="A", received_at=EVE)
    late = register(bureau_inspector, source=ClueSource.HOTLINE, reference="B", received_at=EVE)
    drive(on_time, "closed", admin=bureau_admin, worker=bureau_inspector)
    later = datetime.datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)  # the 13th is past
    monkeypatch.setattr(timezone, "now", lambda: later)
    late = drive(late, "closed", admin=bureau_admin, worker=bureau_inspector)
    (rate,) = clue_on_time_rates()
    assert (rate.source, rate.due, rate.on_time, rate.percent) == ("hotline", 2, 1, 50)
    # Reopened and closed again at once: the first closing clock still counts, late.
    late = move(late, "reopen", bureau_admin)
    move(late, "close", bureau_inspector)
    (rate,) = clue_on_time_rates()
    assert (rate.due, rate.on_time) == (2, 1)


def test_a_running_clock_is_not_counted_yet(bureau_inspector, home_squad):
    register(bureau_inspector, source=ClueSource.PLATFORM, received_at=timezone.now())
    assert clue_on_time_rates() == []
