"""The case's clocks as the rules mean them (《劳动人事争议仲裁办案规则》 art. 81): the 5-day
acceptance review in working days, only for the committee's cases; a missed acceptance
deadline told to the committee's admins and to the claimant (art. 29); a provisional date
marked as such where the claimant reads it."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from portal.cases.models import CaseChannel
from portal.cases.selectors import claimant_clock
from portal.cases.services import ACCEPTANCE_POLICY
from portal.cases.services.intake import case_accept, case_file
from portal.cases.services.overdue import acceptance_overdue_sweep
from portal.core.deadlines import deadlines_of
from portal.core.models import DeadlinePolicy, DeadlineUnit, Notification
from portal.kiosk.receipt import receipt_context

from ..factories import case_data, make_case

pytestmark = pytest.mark.django_db

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date):
    """Services and rows see `day`, 10:00 in Beijing, as now."""
    moment = datetime.datetime.combine(day, datetime.time(10), BEIJING)
    return mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC))


def acceptance(case) -> object:
    return deadlines_of(case).get(policy__key=ACCEPTANCE_POLICY)


def test_the_acceptance_review_is_five_working_days_across_the_national_day_holiday():
    # Filed Friday 25 September 2026, itself the Mid-Autumn holiday: 28-30 September are
    # working days (3), 1-7 October the National Day holiday, Thursday 8 (4) and Friday 9
    # October (5). Counted in calendar days it would have ended on Wednesday 30 September.
    with at(datetime.date(2026, 9, 25)):
        case = case_file(data=case_data(), channel=CaseChannel.KIOSK).case
    deadline = acceptance(case)
    assert DeadlinePolicy.objects.get(key=ACCEPTANCE_POLICY).unit == DeadlineUnit.WORKING_DAYS
    assert (deadline.due_on, deadline.provisional) == (datetime.date(2026, 10, 9), False)


@pytest.mark.parametrize("agency_code", ["bureau", "procuratorate"])
def test_cases_of_the_bureau_and_the_procuratorate_get_no_acceptance_clock(request, agency_code):
    actor = request.getfixturevalue(
        "bureau_inspector" if agency_code == "bureau" else "procuratorate_liaison"
    )
    case = make_case(agency_code=agency_code, actor=actor)
    assert not deadlines_of(case).filter(policy__key=ACCEPTANCE_POLICY).exists()


def test_the_committees_own_registered_case_gets_it(arbitration_case):
    assert deadlines_of(arbitration_case).filter(policy__key=ACCEPTANCE_POLICY).exists()


def test_a_missed_acceptance_deadline_tells_the_committees_admins_once(
    arbitration_admin, bureau_admin, arbitrator
):
    with at(datetime.date(2026, 9, 25)):
        late = case_file(data=case_data(), channel=CaseChannel.KIOSK).case
        decided = case_file(data=case_data(), channel=CaseChannel.KIOSK).case
        case_accept(actor=arbitrator, case=decided)
    with translation.override("en"):
        assert acceptance_overdue_sweep(today=datetime.date(2026, 10, 9)) == 0  # due that day
        assert acceptance_overdue_sweep(today=datetime.date(2026, 10, 10)) == 1
        assert acceptance_overdue_sweep(today=datetime.date(2026, 10, 12)) == 0  # once
    notified = list(Notification.objects.select_related("recipient"))
    assert [n.recipient for n in notified] == [arbitration_admin]
    assert late.number in notified[0].title
    assert notified[0].url == reverse("intake:detail", kwargs={"pk": late.pk})


def test_the_claimant_is_told_they_may_go_to_court_once_the_deadline_is_missed(client):
    with at(datetime.date(2026, 9, 25)):
        filed = case_file(data=case_data(), channel=CaseChannel.KIOSK)
    case = filed.case
    assert not claimant_clock(case, today=datetime.date(2026, 10, 9)).acceptance_missed
    assert claimant_clock(case, today=datetime.date(2026, 10, 12)).acceptance_missed
    with at(datetime.date(2026, 10, 12)):
        response = client.post(
            reverse("kiosk:status"),
            {"tracking_number": case.tracking_number, "secret": filed.secret},
            follow=True,
        )
    assert 'data-testid="may-sue"' in response.content.decode()
    assert "人民法院" in response.content.decode()


def test_a_provisional_acceptance_date_is_marked_on_the_receipt_and_the_status_page(client):
    # Filed Thursday 30 December 2027... in a year chinese-calendar lacks and nobody entered.
    with at(datetime.date(2027, 12, 30)):
        filed = case_file(data=case_data(), channel=CaseChannel.KIOSK)
        case = filed.case
        assert acceptance(case).provisional
        assert receipt_context(case, filed.secret, case.employer.name)["acceptance_due_provisional"]
        response = client.post(
            reverse("kiosk:status"),
            {"tracking_number": case.tracking_number, "secret": filed.secret},
            follow=True,
        )
    assert 'data-testid="due-provisional"' in response.content.decode()


def test_the_claimant_reads_the_hearing_date_while_the_arbitration_runs(arbitrator):
    from portal.cases.services.arbitration import case_arbitrate, case_withdraw

    case = case_file(data=case_data(), channel=CaseChannel.KIOSK).case
    case_accept(actor=arbitrator, case=case)
    hearing = datetime.date.today() + datetime.timedelta(days=10)
    case_arbitrate(actor=arbitrator, case=case, arbitrator=arbitrator, hearing_on=hearing)
    assert claimant_clock(case).hearing_on == hearing
    case_withdraw(actor=arbitrator, case=case, note="申请人撤回")
    clock = claimant_clock(case)
    assert (clock.hearing_on, clock.outcome) == (None, "申请人撤回申请")


def test_the_migration_removes_open_acceptance_clocks_from_other_agencies_cases(
    bureau_case, arbitration_case
):
    import importlib

    from django.apps import apps

    from portal.core.deadlines import deadline_start

    deadline_start(policy_key=ACCEPTANCE_POLICY, subject=bureau_case, start=datetime.date.today())
    migration = importlib.import_module(
        "portal.cases.migrations.0007_no_acceptance_clock_outside_the_committee"
    )
    migration.remove(apps, None)
    assert not deadlines_of(bureau_case).exists()
    assert deadlines_of(arbitration_case).filter(policy__key=ACCEPTANCE_POLICY).exists()
