"""Periodic tasks: the missing-calendar warning and the appointment expiry sweep."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from portal.cases.models import CaseAssignment
from portal.cases.permissions import access_case
from portal.cases.services import case_assign
from portal.core.models import Appointment, AppointmentKind, HolidayYear, Notification
from portal.core.people import appointment_create
from portal.core.tasks import appointment_expiry_sweep_task, calendar_next_year_check_task

from ..factories import agency

pytestmark = pytest.mark.django_db

# chinese-calendar 1.11 covers 2026 but not 2027 or 2028: a year nobody has entered is missing.
UNCOVERED_NOVEMBER = datetime.date(2027, 11, 1)


@pytest.fixture
def today(monkeypatch):
    """Freeze the local date the tasks and the context processor read."""
    real = timezone.localdate

    def freeze(day: datetime.date) -> None:
        def localdate(value=None, timezone=None):  # type: ignore[no-untyped-def]
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return freeze


@pytest.fixture
def admins(arbitration_admin, bureau_admin, procuratorate_admin):
    return {arbitration_admin, bureau_admin, procuratorate_admin}


def test_from_1_november_every_agency_admin_is_told_to_enter_next_year(
    today, admins, arbitrator, bureau_leader
):
    today(UNCOVERED_NOVEMBER)
    assert calendar_next_year_check_task() == 3
    notified = {n.recipient for n in Notification.objects.select_related("recipient")}
    assert notified == admins
    notification = Notification.objects.first()
    assert "2028" in notification.title
    assert notification.url == "/admin/core/holidayyear/"


def test_the_calendar_warning_is_sent_once_a_year(today, admins):
    today(UNCOVERED_NOVEMBER)
    assert calendar_next_year_check_task() == 3
    today(UNCOVERED_NOVEMBER + datetime.timedelta(days=20))
    assert calendar_next_year_check_task() == 0
    assert Notification.objects.count() == 3


def test_nothing_is_sent_before_1_november(today, admins):
    today(datetime.date(2027, 10, 31))
    assert calendar_next_year_check_task() == 0
    assert not Notification.objects.exists()


def test_nothing_is_sent_once_next_year_is_entered(today, admins):
    HolidayYear.objects.create(year=2028, notice="国办发明电〔2027〕7号")
    today(UNCOVERED_NOVEMBER)
    assert calendar_next_year_check_task() == 0
    assert not Notification.objects.exists()


def test_nothing_is_sent_when_the_library_covers_next_year(today, admins):
    today(datetime.date(2025, 11, 1))
    assert calendar_next_year_check_task() == 0


def test_an_admin_sees_the_missing_calendar_banner_until_the_year_is_entered(
    client, today, arbitration_admin
):
    today(UNCOVERED_NOVEMBER)
    client.force_login(arbitration_admin)
    response = client.get(reverse("core:home"))
    assert response.context["calendar_missing_year"] == "2028"
    assert reverse("admin:core_holidayyear_add") in response.content.decode()

    HolidayYear.objects.create(year=2028)
    response = client.get(reverse("core:home"))
    assert response.context["calendar_missing_year"] == ""
    assert reverse("admin:core_holidayyear_add") not in response.content.decode()


def test_staff_who_cannot_enter_the_calendar_see_no_banner(client, today, arbitrator):
    today(UNCOVERED_NOVEMBER)
    client.force_login(arbitrator)
    response = client.get(reverse("core:home"))
    assert response.context["calendar_missing_year"] == ""


def test_no_banner_before_1_november(client, today, arbitration_admin):
    today(datetime.date(2027, 10, 31))
    client.force_login(arbitration_admin)
    assert client.get(reverse("core:home")).context["calendar_missing_year"] == ""


# --- appointment expiry ---------------------------------------------------------------------


def test_the_sweep_ends_expired_appointments_and_their_access(
    django_capture_on_commit_callbacks, arbitration_case, arbitration_admin, bureau_mediator
):
    local_today = timezone.localdate()
    expired = appointment_create(
        actor=arbitration_admin,
        user=bureau_mediator,
        appointing_agency=agency("arbitration"),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=local_today - datetime.timedelta(days=30),
        valid_until=local_today,
    )
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    Appointment.objects.filter(pk=expired.pk).update(
        valid_until=local_today - datetime.timedelta(days=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert appointment_expiry_sweep_task.delay().get() == 1
    assert appointment_expiry_sweep_task() == 0

    expired.refresh_from_db()
    assert expired.ended_at is not None
    assert CaseAssignment.objects.get().ended_at is not None
    with pytest.raises(Http404):
        access_case(bureau_mediator, arbitration_case.pk)


def test_the_sweep_leaves_current_appointments_alone(arbitration_admin, bureau_mediator):
    local_today = timezone.localdate()
    current = appointment_create(
        actor=arbitration_admin,
        user=bureau_mediator,
        appointing_agency=agency("arbitration"),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=local_today,
        valid_until=local_today,
    )
    assert appointment_expiry_sweep_task() == 0
    current.refresh_from_db()
    assert current.ended_at is None


# --- a year still missing while deadlines fall in it, whatever the month ---------------------


def _provisional_deadline_in(year: int, arbitration_case) -> None:
    from portal.core.models import Deadline

    Deadline.objects.filter(object_id=arbitration_case.pk).update(
        due_on=datetime.date(year, 4, 6), provisional=True
    )


def test_in_march_admins_see_the_banner_while_an_open_deadline_falls_in_a_missing_year(
    client, today, arbitration_admin, arbitrator, arbitration_case
):
    _provisional_deadline_in(2027, arbitration_case)
    today(datetime.date(2027, 3, 10))
    client.force_login(arbitration_admin)
    response = client.get(reverse("core:home"))
    assert response.context["calendar_missing_year"] == "2027"
    assert reverse("admin:core_holidayyear_add") in response.content.decode()
    client.force_login(arbitrator)  # who cannot enter it sees nothing
    assert client.get(reverse("core:home")).context["calendar_missing_year"] == ""


def test_in_march_every_agency_admin_is_told_once_of_a_missing_year_with_open_deadlines(
    today, admins, arbitration_case
):
    today(datetime.date(2027, 3, 10))
    assert calendar_next_year_check_task() == 0  # no deadline falls in a missing year yet
    _provisional_deadline_in(2027, arbitration_case)
    assert calendar_next_year_check_task() == 3
    assert calendar_next_year_check_task() == 0
    assert {n.recipient for n in Notification.objects.all()} == admins
    assert "2027" in Notification.objects.first().title


def test_an_entered_year_or_a_met_deadline_raises_no_banner(
    client, today, arbitration_admin, arbitration_case
):
    from portal.core.models import Deadline

    _provisional_deadline_in(2027, arbitration_case)
    today(datetime.date(2027, 3, 10))
    client.force_login(arbitration_admin)
    Deadline.objects.update(met_at=timezone.now())
    assert client.get(reverse("core:home")).context["calendar_missing_year"] == ""
    Deadline.objects.update(met_at=None)
    HolidayYear.objects.create(year=2027)
    assert client.get(reverse("core:home")).context["calendar_missing_year"] == ""
