"""A year the calendar library lacks (chinese-calendar 1.11 stops at 2026): deadlines that
fall in it are counted from weekends alone and marked provisional; entering the year
recomputes every one of them — the mediation term too, with the days the parties added —
and leaves alone only a due date a person chose."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest

from portal.cases.services.arbitration import award_deadline, case_arbitrate
from portal.cases.services.intake import case_accept
from portal.core.deadlines import deadline_recount, deadlines_recompute, library_covers
from portal.core.models import CalendarDay, HolidayYear
from portal.mediation.selectors import term_deadline
from portal.mediation.services import mediation_term_extend

from ..factories import make_case

pytestmark = pytest.mark.django_db

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date):
    moment = datetime.datetime.combine(day, datetime.time(10), BEIJING)
    return mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC))


def enter_2027_with_new_year_on_friday_and_a_holiday_on_monday_18_january() -> None:
    year = HolidayYear.objects.create(year=2027, notice="国办发明电〔2026〕X号")
    for day in (datetime.date(2027, 1, 1), datetime.date(2027, 1, 18)):
        CalendarDay.objects.create(holiday_year=year, date=day, is_working_day=False, name="假日")


def test_entering_2027_recomputes_the_mediation_term_and_the_award_period(
    mediating, arbitration_mediator, arbitrator
):
    assert not library_covers(2027)  # else this test would not be about a missing year
    term = term_deadline(mediating)
    # the term was counted from today's request; move it to start on 24 December 2026
    term.started_on = datetime.date(2026, 12, 24)
    term.save(update_fields=["started_on"])
    deadline_recount(term, days=15)
    # 24 December + 15 = Friday 8 January 2027, counted from weekends alone
    assert (term.due_on, term.provisional) == (datetime.date(2027, 1, 8), True)
    mediation_term_extend(
        actor=arbitration_mediator, mediation=mediating, days=8, agreement="双方同意延长"
    )
    term.refresh_from_db()
    # 24 December + 23 = Saturday 16 January → Monday 18 January
    assert (term.days, term.due_on, term.provisional) == (23, datetime.date(2027, 1, 18), True)

    with at(datetime.date(2026, 12, 7)):
        case = make_case(agency_code="arbitration", actor=arbitrator)
        case_accept(actor=arbitrator, case=case)
        case_arbitrate(actor=arbitrator, case=case, arbitrator=arbitrator)
    award = award_deadline(case)
    # 7 December + 45 = Thursday 21 January 2027
    assert (award.due_on, award.provisional) == (datetime.date(2027, 1, 21), True)

    enter_2027_with_new_year_on_friday_and_a_holiday_on_monday_18_january()
    assert deadlines_recompute(year=2027) >= 2
    term.refresh_from_db()
    award.refresh_from_db()
    # the extended term keeps its 23 days; Monday 18 January is now a holiday → Tuesday 19
    assert (term.days, term.due_on, term.provisional) == (23, datetime.date(2027, 1, 19), False)
    assert (award.due_on, award.provisional) == (datetime.date(2027, 1, 21), False)
